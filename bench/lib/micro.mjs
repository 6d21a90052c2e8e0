// In-process micro-bench (a child of run.mjs, pinned to one CPU once its tokens are signed): one
// validation per call, awaited in turn, timed in process CPU time. Cold = every call a token this validator has not seen
// (a fresh validator per round); repeated = one token again and again. Beside it, the floors:
// `crypto.verify` alone on pre-split input, and jose `compactVerify` / `jwtVerify` alone.
// Rounds interleave the variants (A/B/A/B) so drift on a shared machine hits all of them alike.
import { Buffer } from 'node:buffer'
import { createPublicKey, verify as cryptoVerify } from 'node:crypto'
import { compactVerify, importJWK, jwtVerify } from 'jose'
import { createValidator } from '@tokenguard/core'
import { pin } from './children.mjs'
import { cv, median } from './stats.mjs'
import { AUDIENCE, createKeys, signPool, signToken } from './tokens.mjs'

const config = JSON.parse(process.argv[2])
const ISSUER = 'https://issuer.bench.test/'
const ALGS = ['RS256', 'ES256']

const { keys } = await createKeys()
const pools = {}
for (const alg of ALGS) pools[alg] = await signPool(keys[alg], alg, ISSUER, config.pool)
const single = {}
for (const alg of ALGS) single[alg] = await signToken(keys[alg], alg, ISSUER, 0)
pin(process.pid, config.cpu)

const jwks = { keys: ALGS.map((alg) => keys[alg].publicJwk) }
const validator = (jwt = {}) =>
  createValidator({ issuer: ISSUER, audience: AUDIENCE, jwt: { algorithms: ALGS, jwks, ...jwt } })
// Header strings arrive fresh with every request: copy each token so a cache that keeps it pays for it.
const fresh = (token) => Buffer.from(token, 'latin1').toString('latin1')

/** Each variant: prepare() once per round (untimed), then run(i) once per call. */
function variants(alg) {
  const pool = pools[alg]
  const key = createPublicKey({ key: keys[alg].publicJwk, format: 'jwk' })
  const split = pool.map((token) => {
    const dot = token.lastIndexOf('.')
    return {
      input: Buffer.from(token.slice(0, dot)),
      signature: Buffer.from(token.slice(dot + 1), 'base64url'),
    }
  })
  const keyOption = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key
  let joseKey
  let tg
  return {
    [`crypto.verify-${alg}`]: {
      prepare() {},
      run(i) {
        const { input, signature } = split[i]
        if (!cryptoVerify('sha256', input, keyOption, signature)) throw new Error('crypto.verify failed')
      },
    },
    [`jose-compactVerify-${alg}`]: {
      async prepare() {
        joseKey ??= await importJWK(keys[alg].publicJwk, alg)
      },
      run: (i) => compactVerify(pool[i], joseKey),
    },
    [`jose-jwtVerify-${alg}`]: {
      async prepare() {
        joseKey ??= await importJWK(keys[alg].publicJwk, alg)
      },
      run: (i) =>
        jwtVerify(pool[i], joseKey, { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg], typ: 'at+jwt' }),
    },
    [`tokenguard-cold-${alg}`]: {
      async prepare() {
        await tg?.close()
        tg = validator()
        await tg.ready()
      },
      run: (i) => tg.verify(fresh(pool[i])),
    },
    [`tokenguard-cold-nocache-${alg}`]: {
      async prepare() {
        await tg?.close()
        tg = validator({ cache: false })
        await tg.ready()
      },
      run: (i) => tg.verify(fresh(pool[i])),
    },
    [`tokenguard-repeated-${alg}`]: {
      async prepare() {
        await tg?.close()
        tg = validator()
        await tg.ready()
        await tg.verify(single[alg])
      },
      run: () => tg.verify(fresh(single[alg])),
    },
  }
}

/** CPU µs per call (process CPU time, not wall time: a preempted pass on a shared machine is not slower). */
async function pass(variant, count) {
  await variant.prepare()
  const started = process.cpuUsage()
  for (let i = 0; i < count; i++) await variant.run(i)
  const { user, system } = process.cpuUsage(started)
  return (user + system) / count
}

const all = Object.assign({}, ...ALGS.map(variants))
const chosen = Object.entries(all).filter(([name]) => !config.only || name === config.only)
if (chosen.length === 0)
  throw new Error(`micro: no variant ${config.only}; variants: ${Object.keys(all).join(', ')}`)
const samples = new Map(chosen.map(([name]) => [name, []]))
// A warm-up round for the JIT, then interleaved measured rounds.
for (const [, variant] of chosen) await pass(variant, Math.min(config.pool, 500))
for (let round = 0; round < config.rounds; round++) {
  for (const [name, variant] of chosen) samples.get(name).push(await pass(variant, config.pool))
}

/** Heap bytes per verified-token cache entry: N distinct tokens into an empty cache. */
async function cacheEntryBytes(alg, n) {
  const tg = validator()
  await tg.ready()
  await tg.verify(fresh(pools[alg][0]))
  globalThis.gc()
  const before = process.memoryUsage().heapUsed
  for (let i = 1; i <= n; i++) await tg.verify(fresh(pools[alg][i]))
  globalThis.gc()
  const bytes = (process.memoryUsage().heapUsed - before) / n
  await tg.close()
  return bytes
}
const memory = {}
const memoryEntries = Math.min(config.pool - 1, 9999)
if (!config.only) for (const alg of ALGS) memory[alg] = await cacheEntryBytes(alg, memoryEntries)

const results = [...samples].map(([name, us]) => ({ name, usPerCall: median(us), cv: cv(us), rounds: us }))
process.send({
  type: 'ready',
  results,
  cacheEntryBytes: memory,
  memoryEntries,
  pool: config.pool,
  rounds: config.rounds,
})
process.on('message', (message) => {
  if (message.type === 'close') process.exit(0)
})
