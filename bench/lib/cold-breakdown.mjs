// Where a JWT validation's time goes, piece by piece: each step of the cold path (and of the
// cached, repeated path) timed alone in process CPU time, many short interleaved rounds, on the
// same distinct tokens, against `crypto.verify` alone. Reads core's TypeScript sources through
// tsx, so it measures the working tree. Run: node bench/lib/cold-breakdown.mjs [--pool] [--rounds]
import { Buffer } from 'node:buffer'
import { createPublicKey, verify as cryptoVerify } from 'node:crypto'
import { parseArgs } from 'node:util'
import { tsImport } from 'tsx/esm/api'
import { cv, median } from './stats.mjs'
import { AUDIENCE, createKeys, signPool } from './tokens.mjs'

const { values } = parseArgs({
  options: { pool: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '15' } },
})
const src = (file) =>
  tsImport(new URL(`../../packages/core/src/${file}`, import.meta.url).href, import.meta.url)
const { inspectToken, decodeJws } = await src('jws/decode.ts')
const { tokenHash } = await src('cache/token-hash.ts')
const { verifySignature } = await src('jws/signature.ts')
const { checkClaimTypes, checkTimeClaims } = await src('jwt/claims.ts')
const { buildAuthContext } = await src('auth-context.ts')
const { extractToken, checkTokenSyntax } = await src('extract.ts')
const { createValidator } = await src('validator.ts')
const { VerifiedTokenCache } = await src('cache/verified-token-cache.ts')
const { noteChallenge } = await src('respond.ts')

const ISSUER = 'https://issuer.bench.test/'
const pool = Number(values.pool)
const rounds = Number(values.rounds)
const { keys } = await createKeys()
const out = []
for (const alg of ['RS256', 'ES256']) {
  const tokens = await signPool(keys[alg], alg, ISSUER, pool)
  const key = createPublicKey({ key: keys[alg].publicJwk, format: 'jwk' })
  const inspected = tokens.map((t) => inspectToken(t))
  const decoded = inspected.map((t) => decodeJws(t.jws))
  const split = tokens.map((t) => {
    const dot = t.lastIndexOf('.')
    return { input: Buffer.from(t.slice(0, dot)), signature: Buffer.from(t.slice(dot + 1), 'base64url') }
  })
  const keyOption = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key
  const requests = tokens.map((t) => ({ method: 'GET', headers: { authorization: `Bearer ${t}` } }))
  const extractOptions = {
    allowBodyToken: false,
    allowQueryToken: false,
    maxTokenLength: 8192,
    allowDpop: false,
    deferSyntaxCheck: true,
  }
  const contexts = decoded.map((d, i) => buildAuthContext('jwt', tokens[i], d.payload, undefined))
  let lru
  let full
  let validator
  let warm
  const challenge = { realm: 'api', scheme: 'Bearer' }
  const steps = {
    'crypto.verify alone (the floor)': (i) =>
      cryptoVerify('sha256', split[i].input, keyOption, split[i].signature),
    'verifySignature (jwt/signature.ts)': (i) =>
      verifySignature(alg, key, decoded[i].signingInput, decoded[i].signature),
    'extractToken (header parse)': (i) => extractToken(requests[i], extractOptions),
    'checkTokenSyntax (b64token regex)': (i) => checkTokenSyntax(tokens[i]),
    'tokenHash (SHA-256 cache key)': (i) => tokenHash(tokens[i]),
    'inspectToken (split, decodes the header)': (i) => inspectToken(tokens[i]),
    'decodeJws (the payload, given the split form)': (i) => decodeJws(inspected[i].jws),
    'checkClaimTypes + checkTimeClaims': (i) => {
      checkClaimTypes(decoded[i].payload)
      checkTimeClaims(decoded[i].payload, Date.now() / 1000, { clockTolerance: 5, maxTokenAge: undefined })
    },
    'buildAuthContext (scopes, binding)': (i) =>
      buildAuthContext('jwt', tokens[i], decoded[i].payload, undefined),
    'VerifiedTokenCache.set (a miss is stored)': {
      prepare: () => (lru = new VerifiedTokenCache(10_000, Infinity)),
      run: (i) => lru.set(String(i), contexts[i], 0),
    },
    'VerifiedTokenCache.get (a hit, copied)': {
      prepare: () => {
        full = new VerifiedTokenCache(10_000, Infinity)
        contexts.forEach((c, i) => full.set(String(i), c, 0))
      },
      run: (i) => full.get(String(i), tokens[i], 0),
    },
    'noteChallenge (on the request)': (i) => noteChallenge({ ...requests[i] }, challenge),
    'whole validator.verify, repeated (cache hit)': {
      prepare: async () => {
        await warm?.close()
        warm = createValidator({
          issuer: ISSUER,
          audience: AUDIENCE,
          jwt: { algorithms: [alg], jwks: { keys: [keys[alg].publicJwk] } },
        })
        await warm.ready()
        for (let i = 0; i < pool; i++) await warm.verify(tokens[i])
      },
      run: (i) => warm.verify(tokens[i]),
    },
    'whole validator.verify, cold': {
      prepare: async () => {
        await validator?.close()
        validator = createValidator({
          issuer: ISSUER,
          audience: AUDIENCE,
          jwt: { algorithms: [alg], jwks: { keys: [keys[alg].publicJwk] } },
        })
        await validator.ready()
      },
      run: (i) => validator.verify(tokens[i]),
    },
  }
  const samples = new Map(Object.keys(steps).map((name) => [name, []]))
  for (let round = -1; round < rounds; round++) {
    for (const [name, step] of Object.entries(steps)) {
      const run = typeof step === 'function' ? step : step.run
      if (step.prepare) await step.prepare()
      const started = process.cpuUsage()
      for (let i = 0; i < pool; i++) {
        const r = run(i)
        if (r instanceof Promise) await r
      }
      const { user, system } = process.cpuUsage(started)
      if (round >= 0) samples.get(name).push((user + system) / pool)
    }
  }
  for (const [name, us] of samples) out.push({ alg, name, us: median(us), cv: cv(us) })
}
const floor = (alg) => out.find((r) => r.alg === alg && r.name.startsWith('crypto.verify')).us
console.log('| alg | step | CPU µs/call | CV | × crypto.verify |\n|---|---|---:|---:|---:|')
for (const r of out)
  console.log(
    `| ${r.alg} | ${r.name} | ${r.us.toFixed(2)} | ${(r.cv * 100).toFixed(1)}% | ${(r.us / floor(r.alg)).toFixed(2)} |`,
  )
process.exit(0)
