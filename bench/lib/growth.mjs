// How cost grows (a child of run.mjs, pinned to the server CPU): the denylist from 1k to 1M
// entries (check cost, memory per entry of the store and of the mirror, load and resync time;
// MemoryStore, and RedisStore up to `redisMax`), and the introspection cache from 10k entries up
// (hit cost, memory per entry, fill rate), and issuers 1 → `issuersMax` behind a resolver, each its
// own key set (issuers-curve.mjs). Sizes grow by 10x up to `max`.
import { Buffer } from 'node:buffer'
import { performance } from 'node:perf_hooks'
import { setImmediate } from 'node:timers/promises'
import { MemoryStore, createValidator } from '@tokenguard/core'
import { pin } from './children.mjs'
import { issuersCurve } from './issuers-curve.mjs'
import { heap, perCall, rssMB } from './measure.mjs'
import { AUDIENCE, createKeys, opaqueToken, signToken } from './tokens.mjs'

const config = JSON.parse(process.argv[2])
const ISSUER = 'https://issuer.bench.test/'
pin(process.pid, config.cpu)
const sizes = (from, max) => {
  const out = []
  for (let n = from; n <= max; n *= 10) out.push(n)
  return out
}
const request = (token) => ({ method: 'GET', headers: { authorization: `Bearer ${token}` } })

const { keys } = await createKeys()
const jwks = { keys: [keys.ES256.publicJwk] }
const token = await signToken(keys.ES256, 'ES256', ISSUER, 1)
const expiresAt = Math.floor(Date.now() / 1000) + 3600
const entry = (n) => ({ kind: 'jti', key: `${ISSUER}\njti-${n}`, expiresAt })

async function denylistRow(n, makeStore, fill) {
  const h0 = heap()
  const { store, close } = await makeStore()
  const fillStarted = performance.now()
  await fill(store, n)
  const fillS = (performance.now() - fillStarted) / 1000
  const h1 = heap()
  // One revocation at this size: what a `revoke()` costs the store once it holds n entries.
  const addStarted = performance.now()
  await store.addDenylistEntry(entry(n + 1))
  const addMs = performance.now() - addStarted
  const validator = createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwt: { algorithms: ['ES256'], jwks },
    store,
  })
  const loadStarted = performance.now()
  await validator.ready()
  const loadMs = performance.now() - loadStarted
  const h2 = heap()
  const sensitive = validator.route({ sensitive: true })
  const plain = validator.route()
  const req = request(token)
  await sensitive(req)
  const checkUs = await perCall(() => sensitive(req), 20_000)
  const plainUs = await perCall(() => plain(req), 20_000)
  const row = [n, checkUs, plainUs, (h1 - h0) / n, (h2 - h1) / n, loadMs, addMs, rssMB()]
  row.fillS = fillS
  return { row, store, validator, close }
}

/** MemoryStore: the resync is the feed going down and up (the mirror reloads the whole list). */
async function memoryDenylist() {
  const rows = []
  for (const n of sizes(1000, config.max)) {
    const { row, store, validator } = await denylistRow(
      n,
      async () => ({ store: new MemoryStore() }),
      async (store, count) => {
        // The store's own map, filled directly: through addDenylistEntry every add scans the list
        // (see the revoke column), which makes filling 1M entries quadratic.
        for (let i = 0; i < count; i++) store.entries.set(`jti:${entry(i).key}`, entry(i))
      },
    )
    const subscribers = [...store.subscribers]
    const resyncStarted = performance.now()
    for (const s of subscribers) s.onStatus('down')
    for (const s of subscribers) s.onStatus('up')
    await setImmediate() // the reload is synchronous once the list is read: done by the next turn
    row.push(performance.now() - resyncStarted)
    rows.push(row)
    await validator.close()
  }
  return rows
}

async function redisDenylist() {
  const { Redis } = await import('ioredis')
  const { RedisStore } = await import('@tokenguard/redis')
  const rows = []
  for (const n of sizes(1000, config.redisMax)) {
    const { row, validator, close } = await denylistRow(
      n,
      async () => {
        const redis = new Redis(config.redisUrl)
        await redis.flushdb()
        const store = new RedisStore(redis)
        return { store, close: async () => (await store.close(), redis.disconnect()) }
      },
      async (store, count) => {
        for (let i = 0; i < count; i += 1000) {
          await Promise.all(
            Array.from({ length: Math.min(1000, count - i) }, (_, j) => store.addDenylistEntry(entry(i + j))),
          )
        }
      },
    )
    row[3] = NaN // the entries live in Redis, not in this process
    row.push(`${(n / row.fillS).toFixed(0)}/s`)
    rows.push(row)
    await validator.close()
    await close()
  }
  return rows
}

/** The introspection cache filled through real introspection calls (loopback, no delay). */
async function introspectionCache() {
  const rows = []
  for (const n of sizes(10_000, config.introspectionMax)) {
    const validator = createValidator({
      issuer: config.issuer,
      audience: AUDIENCE,
      introspection: { clientId: config.apiClient.id, clientSecret: config.apiClient.secret, cacheMax: n },
    })
    const opaque = validator.route({ strategy: 'opaque' })
    await opaque(request(opaqueToken()))
    const tokens = Array.from({ length: n }, opaqueToken)
    const h0 = heap()
    const fillStarted = performance.now()
    let next = 0
    // Fresh header strings per call (a cache that keeps the token pays for it), 64 in flight.
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < n) await opaque(request(Buffer.from(tokens[next++], 'latin1').toString('latin1')))
      }),
    )
    const fillS = (performance.now() - fillStarted) / 1000
    const h1 = heap()
    const hitUs = await perCall((i) => opaque(request(tokens[(i * 7919) % n])), 20_000)
    rows.push([n, hitUs, (h1 - h0) / n, n / fillS, rssMB()])
    await validator.close()
  }
  return rows
}

const curves = []
curves.push({
  title: 'Denylist, MemoryStore: cost by number of entries',
  note: 'check = a sensitive route on a cached ES256 token; revoke = one more addDenylistEntry at that size; resync = feed down and up',
  header: [
    'entries',
    'sensitive µs/req',
    'plain route µs/req',
    'store B/entry',
    'mirror B/entry',
    'load ms',
    'revoke ms',
    'RSS MB',
    'resync ms',
  ],
  rows: await memoryDenylist(),
})
if (config.redisUrl && config.redisMax >= 1000)
  curves.push({
    title: 'Denylist, RedisStore: cost by number of entries',
    note: 'store B/entry is this process only (the entries live in Redis); load = ready(): one LIST script and the merge',
    header: [
      'entries',
      'sensitive µs/req',
      'plain route µs/req',
      'store B/entry',
      'mirror B/entry',
      'load ms',
      'revoke ms',
      'RSS MB',
      'fill rate',
    ],
    rows: await redisDenylist(),
  })
if (config.issuer && config.introspectionMax >= 10_000)
  curves.push({
    title: 'Introspection cache: cost by number of cached answers',
    note: 'hit = an opaque route on a cached token; filled by real loopback introspection calls',
    header: ['entries', 'hit µs/req', 'heap B/entry', 'fill calls/s', 'RSS MB'],
    rows: await introspectionCache(),
  })
if (config.issuersMax >= 1)
  curves.push({
    title: 'Issuers: cost by number of trusted issuers (resolver, a key set each)',
    note: 'first token = wall time of the first verify per issuer: resolver, RFC 8414 metadata, JWKS, key import, ES256 signature; cached = tokens verified before, rotating over all issuers; new = unseen tokens of loaded issuers; heap includes one verified-token cache entry per issuer',
    header: [
      'issuers',
      'first token p50 ms',
      'first token p99 ms',
      'cached µs/verify',
      'new token µs/verify',
      'heap B/issuer',
      'RSS MB',
      'fetches/issuer',
    ],
    rows: await issuersCurve({
      points: sizes(1, config.issuersMax),
      cpu: config.issuersCpu,
      freshCount: config.issuersMax >= 1000 ? 1000 : 500,
    }),
  })
process.send({ type: 'ready', curves })
process.on('message', (message) => {
  if (message.type === 'close') process.exit(0)
})
