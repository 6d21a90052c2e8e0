import { Redis } from 'ioredis'
import { createValidator, type TokenEvent } from '@tokenguard/core'
import {
  startRedisProcess,
  stopAllRedisProcesses,
  waitUntil,
  type RedisProcess,
} from '@tokenguard/test-support'
import { RedisStore, RedisStoreReplicationError } from '../src/index'

// A master and one replica (real redis-server processes); each test uses its own prefix.
let master: RedisProcess
let replica: RedisProcess
let counter = 0
const opened: Array<() => Promise<void> | void> = []

beforeAll(async () => {
  master = await startRedisProcess()
  replica = await startRedisProcess({ args: ['--replicaof', '127.0.0.1', String(master.port)] })
  // WAIT counts only a replica whose initial sync is done: online on the master, link up on the replica.
  const synced = await waitUntil(
    async () =>
      (await master.cli('INFO', 'replication')).includes('state=online') &&
      (await replica.cli('INFO', 'replication')).includes('master_link_status:up'),
    10_000,
  )
  if (!synced) throw new Error('the replica did not finish its initial sync within 10 s')
})
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close()
})
afterAll(async () => {
  await stopAllRedisProcesses()
})

function client(port = master.port): Redis {
  const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, disconnectTimeout: 100 })
  redis.on('error', () => {})
  opened.push(() => redis.disconnect())
  return redis
}

function fleetMember(prefix: string, events: TokenEvent[] = []) {
  const store = new RedisStore(client(), { prefix })
  const validator = createValidator({
    issuer: 'https://issuer.test/',
    audience: 'https://api.test',
    jwt: { algorithms: ['ES256'], jwks: { keys: [] } },
    store,
    onEvent: (event) => events.push(event),
    denylist: { maxStaleness: 1, heartbeatInterval: 0.05 },
  })
  opened.push(async () => {
    await validator.close()
    await store.close()
  })
  return { store, validator, events }
}

const prefix = () => `fresh-${process.pid}-${++counter}:`
const jti = (id: string) => ({ jti: id, exp: Math.floor(Date.now() / 1000) + 600 })
const listed = async (store: RedisStore) =>
  (await store.listDenylist(Date.now() / 1000)).map((e) => e.key).sort()

describe('the store lost its data', () => {
  test('an empty restart (FLUSHALL): running mirrors write their entries back and a new instance refuses them', async () => {
    const p = prefix()
    const running = fleetMember(p)
    await running.validator.ready()
    await running.validator.revoke(jti('a'))
    await running.validator.revoke(jti('b'))
    const epoch = await master.cli('GET', `${p}{denylist}:epoch`)
    await master.cli('FLUSHALL')
    const lostAt = Date.now()
    expect(await waitUntil(() => running.events.some((e) => e.type === 'denylist_repaired'), 3000)).toBe(true)
    const repairedIn = Date.now() - lostAt
    expect(repairedIn).toBeLessThan(1000)
    expect(running.events.find((e) => e.type === 'denylist_repaired')).toMatchObject({ entries: 2 })
    expect(await listed(running.store)).toStrictEqual(['https://issuer.test/\na', 'https://issuer.test/\nb'])
    expect(await master.cli('GET', `${p}{denylist}:epoch`)).not.toBe(epoch)

    const newcomer = fleetMember(p)
    await newcomer.validator.ready()
    expect(await listed(newcomer.store)).toHaveLength(2)
  })

  test('history that went backwards in the same epoch (a stale replica promoted): a new epoch, and every mirror restores', async () => {
    const p = prefix()
    const one = fleetMember(p)
    const two = fleetMember(p)
    await Promise.all([one.validator.ready(), two.validator.ready()])
    await one.validator.revoke(jti('kept'))
    await one.validator.revoke(jti('lost'))
    const epoch = await master.cli('GET', `${p}{denylist}:epoch`)
    // What a replica that missed the last add holds: the earlier seq, the same epoch, one entry
    // fewer. In one step, so that no heartbeat runs between the changes.
    await master.cli(
      'EVAL',
      "redis.call('SET', KEYS[1], '1') redis.call('HDEL', KEYS[2], ARGV[1]) redis.call('ZREM', KEYS[3], ARGV[1])",
      '3',
      `${p}{denylist}:seq`,
      `${p}{denylist}:entries`,
      `${p}{denylist}`,
      'jti:https://issuer.test/\nlost',
    )
    expect(
      await waitUntil(
        () => [one, two].every((m) => m.events.some((e) => e.type === 'denylist_repaired')),
        3000,
      ),
    ).toBe(true)
    expect(await master.cli('GET', `${p}{denylist}:epoch`)).not.toBe(epoch)
    expect(await listed(one.store)).toStrictEqual([
      'https://issuer.test/\nkept',
      'https://issuer.test/\nlost',
    ])
  })
})

describe('a heartbeat proves nothing where a write would fail', () => {
  test('on a read-only replica the heartbeat is refused (READONLY), so the mirror cannot be kept fresh there', async () => {
    const store = new RedisStore(client(replica.port), { prefix: prefix() })
    opened.push(() => store.close())
    await expect(store.heartbeat('n1')).rejects.toThrow(/READONLY/)
  })
})

describe('waitForReplicas', () => {
  test('resolves once a replica acknowledged the entry; the entry is then on the replica', async () => {
    const p = prefix()
    const store = new RedisStore(client(), { prefix: p, waitForReplicas: 1, waitTimeout: 500 })
    opened.push(() => store.close())
    await store.addDenylistEntry({ kind: 'jti', key: 'durable', expiresAt: Date.now() / 1000 + 60 })
    expect(await replica.cli('HEXISTS', `${p}{denylist}:entries`, 'jti:durable')).toBe('1\n')
  })

  test('rejects with RedisStoreReplicationError when fewer replicas acknowledge within waitTimeout', async () => {
    const store = new RedisStore(client(), { prefix: prefix(), waitForReplicas: 2, waitTimeout: 100 })
    opened.push(() => store.close())
    const started = Date.now()
    const error = await store
      .addDenylistEntry({ kind: 'jti', key: 'short', expiresAt: Date.now() / 1000 + 60 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RedisStoreReplicationError)
    expect(error).toMatchObject({ code: 'ENOREPLICAS', acknowledged: 1, required: 2 })
    expect(Date.now() - started).toBeLessThan(1000)
  })

  test('revoke() rejects with it too: a revocation is never reported durable when it is not', async () => {
    const store = new RedisStore(client(), { prefix: prefix(), waitForReplicas: 2, waitTimeout: 50 })
    const validator = createValidator({
      issuer: 'https://issuer.test/',
      audience: 'https://api.test',
      jwt: { algorithms: ['ES256'], jwks: { keys: [] } },
      store,
    })
    opened.push(async () => {
      await validator.close()
      await store.close()
    })
    await expect(validator.revoke(jti('x'))).rejects.toBeInstanceOf(RedisStoreReplicationError)
  })

  test.each([
    [{ waitForReplicas: -1 }, 'RedisStore: `waitForReplicas` must be an integer >= 0'],
    [{ waitForReplicas: 1.5 }, 'RedisStore: `waitForReplicas` must be an integer >= 0'],
    [{ waitTimeout: 0 }, 'RedisStore: `waitTimeout` must be a finite number > 0'],
    [{ commandTimeout: -1 }, 'RedisStore: `commandTimeout` must be a finite number >= 0'],
  ])('%j is a RangeError', (options, message) => {
    expect(() => new RedisStore(client(), options)).toThrow(new RangeError(message))
  })
})
