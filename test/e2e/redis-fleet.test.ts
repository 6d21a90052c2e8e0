/**
 * Two API instances on one real Redis: a revocation on one reaches the other's sensitive route
 * through the change feed; a Redis that goes away makes sensitive routes fail closed (503) while
 * other routes carry on; after it comes back the mirrors resync.
 */
import { Redis } from 'ioredis'
import { createValidator, requireToken, type Validator } from '@tokenguard/express'
import { RedisStore } from '@tokenguard/redis'
import { startRedis, startTcpProxy, type TcpProxy } from '@tokenguard/test-support'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'
import { bearer, report, sleep, startApi, type Api } from './helpers'

const ISSUER = 'https://issuer.fleet.test/'
const AUDIENCE = 'https://api.fleet.test'
const MAX_STALENESS = 1 // seconds

let redis: Awaited<ReturnType<typeof startRedis>>
let privateKey: CryptoKey
let jwk: JWK
const clients: Redis[] = []
const closers: Array<() => Promise<void>> = []
let serial = 0

beforeAll(async () => {
  redis = await startRedis()
  const pair = await generateKeyPair('ES256')
  privateKey = pair.privateKey as CryptoKey
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'fleet', alg: 'ES256' }
})

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {})
  for (const client of clients) client.disconnect()
  await redis.stop()
})

function client(port = redis.port): Redis {
  const created = new Redis({
    host: '127.0.0.1',
    port,
    maxRetriesPerRequest: 1,
    disconnectTimeout: 100,
    retryStrategy: () => 50,
  })
  clients.push(created)
  return created
}

interface Instance {
  validator: Validator
  api: Api
  store: RedisStore
}

async function instance(port = redis.port, prefix = 'fleet:'): Promise<Instance> {
  const store = new RedisStore(client(port), { prefix, commandTimeout: 1000 })
  const validator = createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    store,
    denylist: { maxStaleness: MAX_STALENESS },
    jwt: { algorithms: ['ES256'], jwks: { keys: [jwk] } },
  })
  const api = await startApi([
    ['/read', requireToken(validator)],
    ['/pay', requireToken(validator, { sensitive: true })],
  ])
  closers.push(async () => {
    await api.close()
    await validator.close()
    await store.close()
  })
  await validator.ready()
  return { validator, api, store }
}

function token(claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'alice',
    client_id: 'fleet-client',
    jti: `jti-${++serial}`,
    iat: now,
    exp: now + 600,
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'fleet', typ: 'at+jwt' })
    .sign(privateKey)
}

async function status(api: Api, path: string, jwt: string): Promise<number> {
  return (await api.http.get(path).set(bearer(jwt))).status
}

/** Polls `condition` every `intervalMs` until it holds; fails the test after `timeoutMs`. */
async function waitFor(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await sleep(intervalMs)
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

describe('a fleet on one Redis', () => {
  let a: Instance
  let b: Instance

  beforeAll(async () => {
    const prefix = `fleet-${Date.now()}:`
    a = await instance(redis.port, prefix)
    b = await instance(redis.port, prefix)
  })

  it("a revocation on one instance is refused on the other one's sensitive route, not on its normal route", async () => {
    const jwt = await token()
    expect(await status(b.api, '/pay', jwt)).toBe(200)
    await a.validator.revoke(jwt)
    const started = performance.now()
    await waitFor(async () => (await status(b.api, '/pay', jwt)) === 401, 2000, 2)
    const elapsed = performance.now() - started
    expect(await status(b.api, '/read', jwt)).toBe(200)
    expect(await status(a.api, '/pay', jwt)).toBe(401)
    report('redis-fleet (HTTP)', { 'revocation seen by the other instance (ms)': elapsed.toFixed(1) })
  })

  it('propagates 100 revocations: every one reaches the other instance', async () => {
    const times: number[] = []
    for (let i = 0; i < 100; i++) {
      const jwt = await token()
      await b.validator.verify(jwt, { sensitive: true })
      await a.validator.revoke(jwt)
      const started = performance.now()
      for (;;) {
        const refused = await b.validator.verify(jwt, { sensitive: true }).then(
          () => false,
          (error: { reason?: string }) => error.reason === 'revoked',
        )
        if (refused) break
        if (performance.now() - started > 2000) throw new Error(`revocation ${i} not seen within 2 s`)
        await new Promise((resolve) => setImmediate(resolve))
      }
      times.push(performance.now() - started)
    }
    times.sort((x, y) => x - y)
    expect(times).toHaveLength(100)
    report('redis-fleet propagation over 100 revocations', {
      'p50 (ms)': percentile(times, 50).toFixed(2),
      'p99 (ms)': percentile(times, 99).toFixed(2),
      'worst (ms)': times.at(-1)!.toFixed(2),
    })
  })

  it("revokeSubject on one instance cuts off the subject's older tokens on the other", async () => {
    const old = await token({ sub: 'mallory', iat: Math.floor(Date.now() / 1000) - 60 })
    expect(await status(b.api, '/pay', old)).toBe(200)
    await a.validator.revokeSubject('mallory')
    await waitFor(async () => (await status(b.api, '/pay', old)) === 401, 2000, 5)
  })

  it('never lets a revoked token through once revoke() has resolved, with requests racing it', async () => {
    const jwt = await token()
    const racing = Array.from({ length: 30 }, () => status(a.api, '/pay', jwt))
    await a.validator.revoke(jwt)
    const after = await Promise.all(Array.from({ length: 30 }, () => status(a.api, '/pay', jwt)))
    await Promise.all(racing)
    expect(new Set(after)).toEqual(new Set([401]))
  })
})

describe('when Redis goes away', () => {
  it('sensitive routes answer 503 past the bound, others keep answering; after a restart they recover', async () => {
    const prefix = `crash-${Date.now()}:`
    const a = await instance(redis.port, prefix)
    const jwt = await token()
    expect(await status(a.api, '/pay', jwt)).toBe(200)
    await redis.kill()
    const killed = performance.now()
    await waitFor(async () => (await status(a.api, '/pay', jwt)) === 503, 5000, 50)
    const failedClosedAfter = performance.now() - killed
    const outage = await a.api.http.get('/pay').set(bearer(jwt))
    expect(outage.status).toBe(503)
    expect(outage.headers['retry-after']).toBeDefined()
    expect(outage.body.error).toBe('temporarily_unavailable')
    expect(await status(a.api, '/read', jwt)).toBe(200)
    expect(failedClosedAfter).toBeGreaterThanOrEqual(MAX_STALENESS * 1000 - 50) // not before the bound

    await redis.restart()
    const restarted = performance.now()
    await waitFor(async () => (await status(a.api, '/pay', jwt)) === 200, 8000, 50)
    report('redis-fleet outage', {
      'sensitive route failed closed after (ms)': failedClosedAfter.toFixed(0),
      'recovered after restart (ms)': (performance.now() - restarted).toFixed(0),
    })
  })

  it('an instance cut off from Redis honours, after it reconnects, a revocation made meanwhile', async () => {
    const prefix = `cut-${Date.now()}:`
    const proxy: TcpProxy = await startTcpProxy(redis.port)
    closers.push(() => proxy.close())
    const a = await instance(redis.port, prefix)
    const b = await instance(proxy.port, prefix)
    const jwt = await token()
    expect(await status(b.api, '/pay', jwt)).toBe(200)

    proxy.cut()
    await a.validator.revoke(jwt) // B cannot hear of it
    await waitFor(async () => (await status(b.api, '/pay', jwt)) === 503, 5000, 50)
    expect(await status(b.api, '/read', jwt)).toBe(200)

    proxy.restore()
    await waitFor(async () => (await status(b.api, '/pay', jwt)) !== 503, 8000, 50)
    expect(await status(b.api, '/pay', jwt)).toBe(401)
    const fresh = await token()
    expect(await status(b.api, '/pay', fresh)).toBe(200)
  })
})
