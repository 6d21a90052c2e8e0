// Issuers 1 → 1,000 (multi-tenant key sets), run inside growth.mjs: a validator whose `issuer` is
// a resolver trusting N issuers, each with its own ES256 key pair (distinct kid), its own RFC 8414
// metadata and its own JWKS, all served by one loopback server in another process
// (issuers-server.mjs). Per N: the wall time of each issuer's first verify (resolver, discovery,
// JWKS fetch, key import, signature), the CPU cost of cached tokens rotating over all N issuers and
// of new tokens of issuers already loaded, heap per issuer, RSS and fetches per issuer.
import crypto from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { createValidator } from '@tokenguard/core'
import { ask, start, stop } from './children.mjs'
import { heap, perCall, rssMB } from './measure.mjs'
import { median, percentile } from './stats.mjs'
import { AUDIENCE, signWith } from './tokens.mjs'

/** Its own P-256 key pair per issuer: 1,000 take about 0.1 s (RSA would take minutes). */
function issuerKeys(count) {
  return Array.from({ length: count }, (_, i) => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const kid = `t${i}-es256`
    return {
      privateKey,
      kid,
      publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' },
    }
  })
}

/** Heap after the previous point's closed validator has let go of its sockets and timers. */
async function settledHeap() {
  await sleep(50)
  heap()
  await sleep(10)
  return heap()
}

const sign = (key, issuer, n) => signWith(key.privateKey, key.kid, 'ES256', issuer, n)

/** CPU µs per verify over `tokens` (each verified once): median of five equal slices. */
async function perNewToken(validator, tokens) {
  const slice = Math.floor(tokens.length / 5)
  const runs = []
  for (let r = 0; r < 5; r++) {
    const started = process.cpuUsage()
    for (let i = r * slice; i < (r + 1) * slice; i++) await validator.verify(tokens[i])
    const { user, system } = process.cpuUsage(started)
    runs.push((user + system) / slice)
  }
  return median(runs)
}

async function point(n, { keys, issuerUrl, server, freshCount }) {
  const issuers = Array.from({ length: n }, (_, i) => issuerUrl(i))
  const trusted = new Set(issuers)
  // Signed before the heap baseline: the tokens are the callers', not the validator's.
  const first = await Promise.all(issuers.map((iss, i) => sign(keys[i], iss, i)))
  const fresh = await Promise.all(
    Array.from({ length: freshCount }, (_, j) => sign(keys[j % n], issuers[j % n], n + j)),
  )
  const validator = createValidator({
    issuer: { resolve: (iss) => (trusted.has(iss) ? {} : undefined), maxIssuers: n, cacheMax: n },
    audience: AUDIENCE,
    jwt: { algorithms: ['ES256'] },
  })
  const latencies = new Float64Array(n)
  const before = await ask(server, 'stats')
  const h0 = await settledHeap()
  // One at a time: each first verify pays its own issuer's resolution, discovery and JWKS fetch.
  for (let i = 0; i < n; i++) {
    const started = performance.now()
    const auth = await validator.verify(first[i])
    latencies[i] = performance.now() - started
    if (auth.issuer !== issuers[i]) throw new Error(`issuer t${i}: verified as ${auth.issuer}`)
  }
  const h1 = await settledHeap()
  // Cached tokens (the verified-token cache holds 10,000), rotating over every issuer.
  const cachedUs = await perCall((i) => validator.verify(first[i % n]), 20_000)
  // New tokens of issuers already loaded: decision cache, key set slot, signature.
  const freshUs = await perNewToken(validator, fresh)
  const after = await ask(server, 'stats')
  const fetches =
    (after.metadata + after.jwks + after.other - before.metadata - before.jwks - before.other) / n
  const row = [
    n,
    percentile(latencies, 50),
    percentile(latencies, 99),
    cachedUs,
    freshUs,
    // Below 100 issuers their growth (~0.1 MB) is within the noise of a heap reading (tens of KB
    // here: JIT code and feedback of the first verifies): no figure.
    n >= 100 ? (h1 - h0) / n : NaN,
    rssMB(),
    fetches,
  ]
  await validator.close()
  return row
}

/** The curve's rows for each N in `points`; the server is started here and closed at the end. */
export async function issuersCurve({ points, cpu, freshCount }) {
  const max = Math.max(...points)
  const keys = issuerKeys(max)
  const server = await start('issuers-server.mjs', {}, { cpu })
  try {
    await ask(server.child, 'issuers', { jwks: keys.map((k) => ({ keys: [k.publicJwk] })) })
    const context = { keys, issuerUrl: (i) => `${server.origin}/t${i}`, server: server.child, freshCount }
    // Unmeasured: JIT of the resolver and discovery paths, and the loopback connections opened.
    await point(Math.min(10, max), context)
    const rows = []
    for (const n of points) rows.push(await point(n, context))
    return rows
  } finally {
    await stop(server.child)
  }
}
