#!/usr/bin/env node
// In-process A/B of two builds of @tokenguard/core: both loaded in one process, the same tokens,
// rounds interleaved A B B A …, each round timed in process CPU time. Drift on a shared machine
// hits both sides of a pair alike, so the figure to read is the median of the per-pair ratios
// (after ÷ before), printed beside both medians and their CV. `crypto.verify` alone runs in the
// same rounds as the floor. No child process, no HTTP: for changes to core's validation path.
// Usage: node bench/ab-inproc.mjs --before DIR --after DIR [--pool 1000] [--rounds 20] [--only A,B]
// (--only: cases whose name contains A or B; the crypto.verify floors always run)
// Each DIR is a copy of a built packages/core/dist.
import { Buffer } from 'node:buffer'
import { createPublicKey, verify as cryptoVerify } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { cv, median } from './lib/stats.mjs'
import { AUDIENCE, createKeys, opaqueToken, signPool, signToken } from './lib/tokens.mjs'

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    after: { type: 'string' },
    pool: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '20' },
    only: { type: 'string' },
  },
})
if (!values.before || !values.after) throw new TypeError('--before and --after are required')
const here = path.dirname(fileURLToPath(import.meta.url))
// Copies beside core's own dist, so each build resolves core's dependencies as the real one does.
const core = path.join(here, '..', 'packages', 'core')
const load = async (side) => {
  const dir = path.join(core, `.ab-${side}`)
  fs.rmSync(dir, { recursive: true, force: true })
  fs.cpSync(values[side], dir, { recursive: true })
  return import(pathToFileURL(path.join(dir, 'index.js')).href)
}
const builds = { before: await load('before'), after: await load('after') }

const ISSUER = 'https://issuer.bench.test/'
const pool = Number(values.pool)
const rounds = Number(values.rounds)
const { keys } = await createKeys()
const fresh = (token) => Buffer.from(token, 'latin1').toString('latin1')

const cases = []
for (const alg of ['RS256', 'ES256']) {
  const tokens = await signPool(keys[alg], alg, ISSUER, pool)
  const single = await signToken(keys[alg], alg, ISSUER, 0)
  const jwks = { keys: [keys[alg].publicJwk] }
  const make = (build, jwt = {}) =>
    build.createValidator({ issuer: ISSUER, audience: AUDIENCE, jwt: { algorithms: [alg], jwks, ...jwt } })
  const key = createPublicKey({ key: keys[alg].publicJwk, format: 'jwk' })
  const keyOption = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key
  const split = tokens.map((t) => {
    const dot = t.lastIndexOf('.')
    return { input: Buffer.from(t.slice(0, dot)), signature: Buffer.from(t.slice(dot + 1), 'base64url') }
  })
  cases.push({
    name: `crypto.verify-${alg}`,
    floor: true,
    run: async () => {
      for (const { input, signature } of split)
        if (!cryptoVerify('sha256', input, keyOption, signature)) throw new Error('crypto.verify failed')
    },
  })
  for (const [variant, jwt] of [
    ['cold', {}],
    ['cold-nocache', { cache: false }],
  ])
    cases.push({
      name: `tokenguard-${variant}-${alg}`,
      run: async (build) => {
        const v = make(build, jwt)
        await v.ready()
        const started = process.cpuUsage()
        for (const t of tokens) await v.verify(fresh(t))
        const used = process.cpuUsage(started)
        await v.close()
        return used
      },
    })
  cases.push({
    name: `tokenguard-repeated-${alg}`,
    run: async (build) => {
      const v = make(build)
      await v.verify(single)
      const started = process.cpuUsage()
      for (let i = 0; i < pool * 10; i++) await v.verify(fresh(single))
      const used = process.cpuUsage(started)
      await v.close()
      return used
    },
    calls: pool * 10,
  })
  // A sensitive route with a fingerprint entry in the denylist (another token revoked): every
  // request checks the mirror's fingerprints, on top of the cache hit.
  cases.push({
    name: `tokenguard-repeated-sensitive-${alg}`,
    run: async (build) => {
      const v = make(build)
      await v.revoke(tokens[1])
      await v.verify(single, { sensitive: true })
      const started = process.cpuUsage()
      for (let i = 0; i < pool * 10; i++) await v.verify(fresh(single), { sensitive: true })
      const used = process.cpuUsage(started)
      await v.close()
      return used
    },
    calls: pool * 10,
  })
  // What an adapter runs per request on a repeated token: the Node request's view, then the kit.
  const raw = (token) => ({
    method: 'GET',
    url: '/items',
    headers: { host: 'api.test', authorization: `Bearer ${token}` },
    rawHeaders: ['Host', 'api.test', 'Authorization', `Bearer ${token}`],
    socket: {},
  })
  cases.push({
    name: `adapter-kit-repeated-${alg}`,
    run: async (build) => {
      const v = make(build)
      const route = build.prepareRoute(v)
      await v.verify(single)
      const requests = Array.from({ length: 100 }, () => raw(fresh(single)))
      const started = process.cpuUsage()
      for (let i = 0; i < pool * 10; i++) {
        const holder = {}
        const { refusal } = await route.run(
          build.fromNodeRequest(requests[i % 100], { url: '/items' }),
          holder,
        )
        if (refusal !== undefined || holder.auth === undefined) throw new Error('refused')
      }
      const used = process.cpuUsage(started)
      await v.close()
      return used
    },
    calls: pool * 10,
  })
}

// Opaque tokens: a loopback RFC 7662 endpoint in this process (its CPU counts on both sides alike).
const endpoint = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    const now = Math.floor(Date.now() / 1000)
    const body = JSON.stringify({
      active: true,
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'user-1',
      client_id: 'client',
      scope: 'items:read payments:write',
      iat: now - 10,
      exp: now + 3600,
    })
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
})
await new Promise((resolve) => endpoint.listen(0, '127.0.0.1', resolve))
const introspection = {
  endpoint: `http://127.0.0.1:${endpoint.address().port}/introspect`,
  clientId: 'api',
  clientSecret: 'api-secret',
}
const opaqueTokens = Array.from({ length: pool }, opaqueToken)
const opaqueValidator = (build) =>
  build.createValidator({ issuer: ISSUER, audience: AUDIENCE, introspection, allowInsecureIssuer: true })
cases.push({
  name: 'opaque-cache-hit',
  run: async (build) => {
    const v = opaqueValidator(build)
    const token = opaqueTokens[0]
    await v.verify(token)
    const started = process.cpuUsage()
    for (let i = 0; i < pool * 10; i++) await v.verify(fresh(token))
    const used = process.cpuUsage(started)
    await v.close()
    return used
  },
  calls: pool * 10,
})
cases.push({
  name: 'opaque-nocache-distinct',
  run: async (build) => {
    const v = opaqueValidator(build)
    await v.verify(opaqueTokens[0], { cacheMaxAge: 0 })
    const started = process.cpuUsage()
    // 16 in flight, as a server under load would have.
    let next = 0
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < pool) await v.verify(fresh(opaqueTokens[next++]), { cacheMaxAge: 0 })
      }),
    )
    const used = process.cpuUsage(started)
    await v.close()
    return used
  },
})

/** CPU µs per call of one pass; a case may time only its own loop (returning its cpuUsage). */
async function pass(c, build) {
  const started = process.cpuUsage()
  const own = await c.run(build)
  const { user, system } = own ?? process.cpuUsage(started)
  return (user + system) / (c.calls ?? pool)
}

if (values.only) {
  const wanted = values.only.split(',')
  const kept = cases.filter((c) => c.floor || wanted.some((w) => c.name.includes(w)))
  cases.splice(0, cases.length, ...kept)
}
const samples = new Map(cases.map((c) => [c.name, { before: [], after: [] }]))
for (let round = -1; round < rounds; round++) {
  const order = round % 2 ? ['after', 'before'] : ['before', 'after']
  for (const c of cases)
    for (const side of order) {
      const us = await pass(c, builds[side])
      if (round >= 0) samples.get(c.name)[side].push(us)
    }
}
const lines = [
  '| case | CPU µs/call before | after | Δ (median of paired ratios) | CV before / after | × crypto.verify before / after |',
  '|---|---:|---:|---:|---:|---:|',
]
for (const c of cases) {
  const { before, after } = samples.get(c.name)
  const ratio = median(after.map((a, i) => a / before[i]))
  const alg = c.name.slice(-5)
  const floor = samples.get(`crypto.verify-${alg}`)
  const times = (side, xs) => (floor ? (median(xs) / median(floor[side])).toFixed(2) : '–')
  lines.push(
    `| ${c.name} | ${median(before).toFixed(2)} | ${median(after).toFixed(2)} | ${((ratio - 1) * 100).toFixed(1)}% | ${(cv(before) * 100).toFixed(1)}% / ${(cv(after) * 100).toFixed(1)}% | ${c.floor ? '–' : `${times('before', before)} / ${times('after', after)}`} |`,
  )
}
console.log(
  `\n${rounds} interleaved rounds of ${pool} calls (repeated: ${pool * 10}); medians\n\n${lines.join('\n')}`,
)
for (const side of ['before', 'after'])
  fs.rmSync(path.join(core, `.ab-${side}`), { recursive: true, force: true })
process.exit(0)
