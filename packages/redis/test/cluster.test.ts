import { Cluster } from 'ioredis'
import { createValidator, type TokenEvent } from '@tokenguard/core'
import {
  keySlot,
  recordingHandlers,
  runStoreSuite,
  startRedisCluster,
  waitUntil,
  type RedisCluster,
} from '@tokenguard/test-support'
import { RedisStore } from '../src/index'

// A real 3-master Redis Cluster (redis-server --cluster-enabled yes, joined by redis-cli --cluster create).
let cluster: RedisCluster
let counter = 0
const opened: Array<() => Promise<void> | void> = []

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 })
}, 60_000)
afterAll(async () => {
  for (const close of opened.splice(0).reverse()) await close()
  await cluster?.stop()
})

function client(): Cluster {
  const redis = new Cluster(cluster.startupNodes, { redisOptions: { maxRetriesPerRequest: 1 } })
  redis.on('error', () => {})
  opened.push(() => redis.disconnect())
  return redis
}

const prefix = () => `cluster-${process.pid}-${++counter}:`

runStoreSuite(
  'RedisStore on a Redis Cluster',
  async () => {
    const p = prefix()
    const one = client()
    const two = client()
    const stores: [RedisStore, RedisStore] = [
      new RedisStore(one, { prefix: p }),
      new RedisStore(two, { prefix: p }),
    ]
    return {
      stores,
      now: undefined,
      cleanup: async () => {
        await stores[0].close()
        await stores[1].close()
      },
    }
  },
  { shortTtlMs: 80, replayKeys: 500 },
)

describe('the feed on a Cluster', () => {
  test('is a sharded channel on the master of the denylist slot, not a broadcast to every node', async () => {
    const p = prefix()
    const store = new RedisStore(client(), { prefix: p })
    opened.push(() => store.close())
    const feed = recordingHandlers()
    await store.subscribe(feed)
    const owner = await cluster.masterOf(`${p}{denylist}`)
    expect(keySlot(`${p}{denylist}:feed`)).toBe(keySlot(`${p}{denylist}`))
    const channels = await owner.cli('PUBSUB', 'SHARDCHANNELS')
    expect(channels).toContain(`${p}{denylist}:feed`)
    expect(await owner.cli('PUBSUB', 'CHANNELS')).not.toContain('denylist')
    await store.heartbeat('hb-1')
    expect(await waitUntil(() => feed.heartbeats.length === 1)).toBe(true)
  })

  test('a validator on the Cluster stays fresh on heartbeats and sees another instance revoke', async () => {
    const p = prefix()
    const events: TokenEvent[] = []
    const stores = [new RedisStore(client(), { prefix: p }), new RedisStore(client(), { prefix: p })]
    const [a, b] = stores.map((store, i) =>
      createValidator({
        issuer: 'https://issuer.test/',
        audience: 'https://api.test',
        jwt: { algorithms: ['ES256'], jwks: { keys: [] } },
        store,
        onEvent: i === 1 ? (event) => events.push(event) : undefined,
        denylist: { maxStaleness: 2, heartbeatInterval: 0.05 },
      }),
    )
    opened.push(async () => {
      await Promise.all([a!.close(), b!.close()])
      await Promise.all(stores.map((store) => store.close()))
    })
    await Promise.all([a!.ready(), b!.ready()])
    await a!.revoke({ jti: 'c1', exp: Math.floor(Date.now() / 1000) + 600 })
    const listed = async () => (await stores[1]!.listDenylist(Date.now() / 1000)).length
    expect(await listed()).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 2200))
    // Past maxStaleness with heartbeats flowing: never degraded.
    expect(events.filter((e) => e.type === 'store_degraded')).toStrictEqual([])
  })

  test('resharding: the denylist slot moves to another master; the feed follows and nothing is lost', async () => {
    const p = prefix()
    const slot = keySlot(`${p}{denylist}`)
    const stores = [new RedisStore(client(), { prefix: p }), new RedisStore(client(), { prefix: p })]
    const events: TokenEvent[] = []
    const [a, b] = stores.map((store, i) =>
      createValidator({
        issuer: 'https://issuer.test/',
        audience: 'https://api.test',
        jwt: { algorithms: ['ES256'], jwks: { keys: [] } },
        store,
        onEvent: i === 1 ? (event) => events.push(event) : undefined,
        denylist: { maxStaleness: 1, heartbeatInterval: 0.05 },
      }),
    )
    opened.push(async () => {
      await Promise.all([a!.close(), b!.close()])
      await Promise.all(stores.map((store) => store.close()))
    })
    await Promise.all([a!.ready(), b!.ready()])
    const exp = Math.floor(Date.now() / 1000) + 600
    for (let i = 0; i < 5; i++) await a!.revoke({ jti: `before-${i}`, exp })

    // Move the slot by hand, as redis-cli --cluster reshard does: IMPORTING/MIGRATING, MIGRATE, NODE.
    const topology = await cluster.topology()
    const source = await cluster.masterOf(slot)
    const sourceId = topology.find((n) => n.port === source.port)!.id
    const target = topology.find((n) => n.role === 'master' && n.port !== source.port)!
    const targetNode = cluster.nodes.find((n) => n.port === target.port)!
    await targetNode.cli('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', sourceId)
    await source.cli('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id)
    const keys = (await source.cli('CLUSTER', 'GETKEYSINSLOT', String(slot), '100'))
      .trim()
      .split('\n')
      .filter(Boolean)
    expect(keys.length).toBeGreaterThanOrEqual(3)
    await source.cli('MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', ...keys)
    for (const node of cluster.nodes) await node.cli('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id)
    const movedAt = Date.now()
    expect((await cluster.masterOf(slot)).port).toBe(target.port)

    // Revocations keep resolving or rejecting; every one that resolved reaches the other mirror.
    const resolved: string[] = []
    const deadline = Date.now() + 6000
    for (let i = 0; resolved.length < 5 && Date.now() < deadline; i++) {
      await a!.revoke({ jti: `after-${i}`, exp }).then(
        () => resolved.push(`after-${i}`),
        () => new Promise((resolve) => setTimeout(resolve, 50)),
      )
    }
    expect(resolved).toHaveLength(5)
    const ids = async () => new Set((await stores[1]!.listDenylist(Date.now() / 1000)).map((e) => e.key))
    const all = [...Array.from({ length: 5 }, (_, i) => `before-${i}`), ...resolved]
    const onStore = await ids()
    for (const id of all) expect(onStore.has(`https://issuer.test/\n${id}`)).toBe(true)
    // The other instance's sharded subscription follows the slot: its heartbeats come back again.
    const freshAgain = await waitUntil(async () => {
      const degraded = events.filter((e) => e.type === 'store_degraded').length
      const recovered = events.filter((e) => e.type === 'store_recovered').length
      return degraded === recovered && (await owner()) === target.port
    }, 8000)
    expect(freshAgain).toBe(true)
    console.log(
      `resharding: fresh again ${Date.now() - movedAt} ms after the move; events ${JSON.stringify(events.filter((e) => e.type !== 'denylist_swept'))}`,
    )

    async function owner(): Promise<number | undefined> {
      const holders = await cluster.subscribedNodes()
      return holders.find((n) => n.port === target.port)?.port
    }
  }, 30_000)
})
