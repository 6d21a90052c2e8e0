import { Redis, type RedisOptions } from 'ioredis'
import {
  recordingHandlers,
  runStoreSuite,
  startRedis,
  waitUntil,
  type RedisServer,
} from '@tokenguard/test-support'
import type { DenylistEntry } from '@tokenguard/core'
import { RedisStore, RedisStoreTimeoutError, type RedisStoreOptions } from '../src/index'

let server: RedisServer
let admin: Redis
let counter = 0
const opened: Array<{ close(): Promise<void> | void }> = []

/**
 * A client as the docs recommend: fail fast instead of queueing while Redis is away. A short
 * disconnectTimeout: ioredis otherwise keeps a 2 s timer alive after disconnecting from a killed server.
 */
function client(url = server.url, options: RedisOptions = { maxRetriesPerRequest: 1 }): Redis {
  const redis = new Redis(url, { disconnectTimeout: 100, ...options })
  redis.on('error', () => {}) // the tests kill servers on purpose
  opened.push({ close: () => redis.disconnect() })
  return redis
}

function store(redis: Redis, options: RedisStoreOptions = {}): RedisStore {
  const created = new RedisStore(redis, options)
  opened.push(created)
  return created
}

const uniquePrefix = () => `test-${process.pid}-${++counter}:`
const nowSeconds = () => Date.now() / 1000
const entry = (key: string, ttlSeconds = 60, kind: DenylistEntry['kind'] = 'jti'): DenylistEntry => ({
  kind,
  key,
  expiresAt: Math.floor(nowSeconds()) + ttlSeconds,
})

/** Connections the server holds (CLIENT LIST, this admin connection included). */
async function connectionCount(): Promise<number> {
  const list = (await admin.client('LIST')) as string
  return list.trim().split('\n').length
}

beforeAll(async () => {
  server = await startRedis()
  admin = new Redis(server.url)
})

afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close()
})

afterAll(async () => {
  admin?.disconnect()
  await server?.stop()
})

runStoreSuite(
  'RedisStore',
  async () => {
    const prefix = uniquePrefix()
    const one = client()
    const two = client()
    const stores: [RedisStore, RedisStore] = [store(one, { prefix }), store(two, { prefix })]
    return {
      stores,
      now: undefined,
      cleanup: async () => {
        await stores[0].close()
        await stores[1].close()
        one.disconnect()
        two.disconnect()
      },
    }
  },
  { shortTtlMs: 80 },
)

describe('RedisStore on a real Redis', () => {
  test('two prefixes on one Redis see nothing of each other', async () => {
    const [p1, p2] = [uniquePrefix(), uniquePrefix()]
    const one = store(client(), { prefix: p1 })
    const two = store(client(), { prefix: p2 })
    const seenByOne = recordingHandlers()
    const seenByTwo = recordingHandlers()
    await one.subscribe(seenByOne)
    await two.subscribe(seenByTwo)

    await one.set('k', 'one', 60_000)
    const revoked = entry('j1')
    await one.addDenylistEntry(revoked)

    expect(await two.get('k')).toBeUndefined()
    expect(await two.listDenylist(nowSeconds())).toStrictEqual([])
    expect(await waitUntil(() => seenByOne.entries.length > 0)).toBe(true)
    expect(seenByOne.entries).toStrictEqual([revoked])
    expect(seenByTwo.entries).toStrictEqual([])
    expect(await one.listDenylist(nowSeconds())).toStrictEqual([revoked])
  })

  test('data layout: only the documented keys, holding exactly what was given', async () => {
    const prefix = uniquePrefix()
    const redisStore = store(client(), { prefix })
    const claims = '{"active":true,"sub":"alice","scope":"items:read"}'
    await redisStore.set('issuer|client|sha256-of-token', claims, 30_000)
    const subject: DenylistEntry = {
      kind: 'subject',
      key: 'iss|alice',
      issuedBefore: 1_700_000_000,
      expiresAt: Math.floor(nowSeconds()) + 600,
    }
    await redisStore.addDenylistEntry(subject)

    expect((await admin.keys(`${prefix}*`)).sort()).toStrictEqual(
      [
        `${prefix}cache:issuer|client|sha256-of-token`,
        `${prefix}{denylist}`,
        `${prefix}{denylist}:entries`,
        `${prefix}{denylist}:seq`,
        `${prefix}{denylist}:epoch`,
      ].sort(),
    )
    // The feed position: one add so far, in an epoch created with it (and kept without expiry).
    expect(await admin.get(`${prefix}{denylist}:seq`)).toBe('1')
    expect(await admin.get(`${prefix}{denylist}:epoch`)).toMatch(/^[0-9a-f-]{36}$/)
    expect(await admin.ttl(`${prefix}{denylist}:epoch`)).toBe(-1)
    expect(await admin.get(`${prefix}cache:issuer|client|sha256-of-token`)).toBe(claims)
    const pttl = await admin.pttl(`${prefix}cache:issuer|client|sha256-of-token`)
    expect(pttl).toBeGreaterThan(29_000)
    expect(pttl).toBeLessThanOrEqual(30_000)

    expect(await admin.zrange(`${prefix}{denylist}`, 0, -1, 'WITHSCORES')).toStrictEqual([
      'subject:iss|alice',
      String(subject.expiresAt),
    ])
    const stored = await admin.hget(`${prefix}{denylist}:entries`, 'subject:iss|alice')
    expect(JSON.parse(stored!)).toStrictEqual(subject)
    // Both denylist keys expire on their own, just after the last entry does.
    for (const key of [`${prefix}{denylist}`, `${prefix}{denylist}:entries`]) {
      const expected = subject.expiresAt + 1 - nowSeconds()
      const ttl = await admin.ttl(key)
      expect(ttl).toBeGreaterThan(expected - 3)
      expect(ttl).toBeLessThanOrEqual(expected + 1)
    }
  })

  test('the default prefix is tokenguard:', async () => {
    await admin.del('tokenguard:cache:default-prefix')
    const redisStore = store(client())
    await redisStore.set('default-prefix', 'v', 5_000)
    expect(await admin.get('tokenguard:cache:default-prefix')).toBe('v')
    await redisStore.delete('default-prefix')
    expect(await admin.exists('tokenguard:cache:default-prefix')).toBe(0)
  })

  test('expired entries are pruned from both structures, and the keys go when the last one does', async () => {
    const prefix = uniquePrefix()
    const redisStore = store(client(), { prefix })
    const t = Math.floor(nowSeconds())
    const early = { kind: 'jti', key: 'early', expiresAt: t + 10 } as const
    const late = { kind: 'jti', key: 'late', expiresAt: t + 100 } as const
    await redisStore.addDenylistEntry(early)
    await redisStore.addDenylistEntry(late)
    expect(await admin.zcard(`${prefix}{denylist}`)).toBe(2)
    expect(await admin.hlen(`${prefix}{denylist}:entries`)).toBe(2)

    expect(await redisStore.listDenylist(t + 50)).toStrictEqual([late])
    expect(await admin.zrange(`${prefix}{denylist}`, 0, -1)).toStrictEqual(['jti:late'])
    expect(await admin.hkeys(`${prefix}{denylist}:entries`)).toStrictEqual(['jti:late'])

    expect(await redisStore.listDenylist(t + 100)).toStrictEqual([])
    expect(await admin.exists(`${prefix}{denylist}`, `${prefix}{denylist}:entries`)).toBe(0)
  })

  test('an add also prunes what has expired by now (real time)', async () => {
    const prefix = uniquePrefix()
    const redisStore = store(client(), { prefix })
    const t = Math.floor(nowSeconds())
    // Planted directly: an entry that expired a minute ago and was never listed since.
    await admin.zadd(`${prefix}{denylist}`, t - 60, 'jti:stale')
    await admin.hset(
      `${prefix}{denylist}:entries`,
      'jti:stale',
      JSON.stringify({ kind: 'jti', key: 'stale', expiresAt: t - 60 }),
    )
    await redisStore.addDenylistEntry(entry('fresh'))
    expect(await admin.zrange(`${prefix}{denylist}`, 0, -1)).toStrictEqual(['jti:fresh'])
    expect(await admin.hkeys(`${prefix}{denylist}:entries`)).toStrictEqual(['jti:fresh'])
  })

  test('the denylist keys expire on their own once every entry has', async () => {
    const prefix = uniquePrefix()
    const redisStore = store(client(), { prefix })
    await redisStore.addDenylistEntry({ kind: 'jti', key: 'brief', expiresAt: nowSeconds() + 0.2 })
    expect(await admin.exists(`${prefix}{denylist}`)).toBe(1)
    expect(
      await waitUntil(
        async () => (await admin.exists(`${prefix}{denylist}`, `${prefix}{denylist}:entries`)) === 0,
        3000,
        50,
      ),
    ).toBe(true)
  })

  test('malformed feed messages and malformed stored entries are ignored', async () => {
    const prefix = uniquePrefix()
    const redisStore = store(client(), { prefix })
    const seen = recordingHandlers()
    await redisStore.subscribe(seen)
    for (const junk of [
      'not json',
      '{"kind":"jti"}',
      '{"kind":"nope","key":"k","expiresAt":1}',
      '42',
      'null',
    ]) {
      await admin.publish(`${prefix}denylist:feed`, junk)
    }
    const good = entry('good')
    await redisStore.addDenylistEntry(good)
    expect(await waitUntil(() => seen.entries.length > 0)).toBe(true)
    expect(seen.entries).toStrictEqual([good])

    const far = Math.floor(nowSeconds()) + 600
    await admin.zadd(`${prefix}{denylist}`, far, 'jti:junk', far, 'jti:missing')
    await admin.hset(`${prefix}{denylist}:entries`, 'jti:junk', '{oops')
    expect(await redisStore.listDenylist(nowSeconds())).toStrictEqual([good])
  })

  test('a throwing handler does not stop delivery to the others', async () => {
    const redisStore = store(client(), { prefix: uniquePrefix() })
    const seen = recordingHandlers()
    await redisStore.subscribe({
      onEntry: () => {
        throw new Error('handler bug')
      },
      onStatus: () => {},
    })
    await redisStore.subscribe(seen)
    const revoked = entry('despite-throw')
    await redisStore.addDenylistEntry(revoked)
    expect(await waitUntil(() => seen.entries.length > 0)).toBe(true)
    expect(seen.entries).toStrictEqual([revoked])
  })

  test('invalid input is refused before reaching Redis', async () => {
    const redisStore = store(client(), { prefix: uniquePrefix() })
    await expect(
      redisStore.addDenylistEntry({ kind: 'jti', key: 'k', expiresAt: Number.NaN } as DenylistEntry),
    ).rejects.toBeInstanceOf(TypeError)
    await expect(
      redisStore.addDenylistEntry({ kind: 'bogus', key: 'k', expiresAt: 1 } as unknown as DenylistEntry),
    ).rejects.toBeInstanceOf(TypeError)
    expect(() => new RedisStore(client(), { commandTimeout: -1 })).toThrow(RangeError)
  })

  test('extra properties on an entry are not stored or published', async () => {
    const prefix = uniquePrefix()
    const redisStore = store(client(), { prefix })
    const seen = recordingHandlers()
    await redisStore.subscribe(seen)
    const plain = entry('plain')
    await redisStore.addDenylistEntry({ ...plain, token: 'eyJraw.token.here' } as DenylistEntry)
    expect(await waitUntil(() => seen.entries.length > 0)).toBe(true)
    expect(seen.entries).toStrictEqual([plain])
    expect(await redisStore.listDenylist(nowSeconds())).toStrictEqual([plain])
    expect(await admin.hget(`${prefix}{denylist}:entries`, 'jti:plain')).not.toContain('eyJ')
  })

  test('scripts still run after the server forgot them (SCRIPT FLUSH)', async () => {
    const redisStore = store(client(), { prefix: uniquePrefix() })
    await redisStore.addDenylistEntry(entry('before'))
    await admin.script('FLUSH')
    await redisStore.addDenylistEntry(entry('after'))
    expect((await redisStore.listDenylist(nowSeconds())).map((e) => e.key).sort()).toStrictEqual([
      'after',
      'before',
    ])
  })

  test('the subscriber connection is opened on the first subscribe and closed by close(); the client stays open', async () => {
    const redis = client()
    await redis.ping()
    const redisStore = store(redis, { prefix: uniquePrefix() })
    const before = await connectionCount()
    await redisStore.set('k', 'v', 1000)
    expect(await connectionCount()).toBe(before)
    const unsubscribe = await redisStore.subscribe(recordingHandlers())
    expect(await connectionCount()).toBe(before + 1)
    await unsubscribe()
    await redisStore.close()
    await redisStore.close()
    expect(await waitUntil(async () => (await connectionCount()) === before)).toBe(true)
    expect(redis.status).toBe('ready')
    expect(await redis.ping()).toBe('PONG')
    await expect(redisStore.subscribe(recordingHandlers())).rejects.toThrow(/closed/)
  })

  test('a subscriber you pass is used as is and left open (unsubscribed) by close()', async () => {
    const prefix = uniquePrefix()
    const subscriber = client()
    await subscriber.ping()
    const redis = client()
    await redis.ping()
    const redisStore = store(redis, { prefix, subscriber })
    const before = await connectionCount()
    const seen = recordingHandlers()
    await redisStore.subscribe(seen)
    expect(await connectionCount()).toBe(before)
    expect(await admin.pubsub('NUMSUB', `${prefix}denylist:feed`)).toStrictEqual([
      `${prefix}denylist:feed`,
      1,
    ])
    const revoked = entry('via-own-subscriber')
    await redisStore.addDenylistEntry(revoked)
    expect(await waitUntil(() => seen.entries.length > 0)).toBe(true)
    expect(seen.entries).toStrictEqual([revoked])

    await redisStore.close()
    expect(subscriber.status).toBe('ready')
    expect(await admin.pubsub('NUMSUB', `${prefix}denylist:feed`)).toStrictEqual([
      `${prefix}denylist:feed`,
      0,
    ])
  })
})

// Needs a redis-server this process started (kill, restart): skipped against REDIS_URL.
;(process.env.REDIS_URL ? describe.skip : describe)('RedisStore when Redis goes away', () => {
  let own: RedisServer

  beforeEach(async () => {
    own = await startRedis()
  })

  afterEach(async () => {
    for (const item of opened.splice(0).reverse()) await item.close()
    await own?.stop()
  })

  test('the feed reports down on a crash, up after the restart, and delivers again', async () => {
    const prefix = uniquePrefix()
    const writer = store(client(own.url), { prefix })
    const reader = store(client(own.url), { prefix })
    const seen = recordingHandlers()
    await reader.subscribe(seen)
    expect(seen.statuses).toStrictEqual(['up'])

    await own.kill()
    expect(await waitUntil(() => seen.statuses.includes('down'), 5000)).toBe(true)
    expect(seen.statuses).toStrictEqual(['up', 'down'])

    await own.restart()
    expect(await waitUntil(() => seen.statuses.at(-1) === 'up', 10_000, 20)).toBe(true)
    expect(seen.statuses).toStrictEqual(['up', 'down', 'up'])

    // The writer's own client reconnects on its own schedule: retry the add until it lands.
    const afterRestart = entry('after-restart')
    expect(
      await waitUntil(
        () =>
          writer.addDenylistEntry(afterRestart).then(
            () => true,
            () => false,
          ),
        10_000,
        50,
      ),
    ).toBe(true)
    expect(await waitUntil(() => seen.entries.length > 0, 2000)).toBe(true)
    expect(seen.entries).toStrictEqual([afterRestart])
  })

  test('a command against a dead Redis fails within commandTimeout instead of hanging', async () => {
    // Default ioredis options (offline queue on, 20 retries per request): the worst case for hanging.
    const redisStore = store(client(own.url, {}), { prefix: uniquePrefix(), commandTimeout: 300 })
    await redisStore.set('k', 'v', 10_000)
    await own.kill()

    const calls: Array<[string, () => Promise<unknown>]> = [
      ['get', () => redisStore.get('k')],
      ['set', () => redisStore.set('k', 'v', 1000)],
      ['delete', () => redisStore.delete('k')],
      ['addDenylistEntry', () => redisStore.addDenylistEntry(entry('dead'))],
      ['listDenylist', () => redisStore.listDenylist(nowSeconds())],
      ['subscribe', () => redisStore.subscribe(recordingHandlers())],
    ]
    for (const [name, call] of calls) {
      const started = Date.now()
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      )
      const elapsed = Date.now() - started
      expect({ name, failed: error instanceof Error }).toStrictEqual({ name, failed: true })
      expect({ name, elapsed: elapsed < 800 }).toStrictEqual({ name, elapsed: true })
      expect({ name, timeout: error instanceof RedisStoreTimeoutError }).toStrictEqual({
        name,
        timeout: true,
      })
    }
    await expect(redisStore.close()).resolves.toBeUndefined()
  })

  test('with a fail-fast client the error is the client’s own, and just as quick', async () => {
    const redis = client(own.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
    await waitUntil(() => redis.status === 'ready')
    const redisStore = store(redis, { prefix: uniquePrefix() })
    await redisStore.get('warm-up')
    await own.kill()
    await waitUntil(
      async () =>
        (await redisStore.get('k').then(
          () => 'ok',
          () => 'failed',
        )) === 'failed',
      2000,
    )
    const started = Date.now()
    await expect(redisStore.get('k')).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(200)
  })
})
