/**
 * A real Redis Cluster (3 masters, 1 replica each, cluster-node-timeout 1 s). Under load, the master
 * of the denylist's slot is killed, then the node holding an instance's feed subscription (with
 * sharded pub/sub the same role: the promoted replica), then the slot is resharded to another master.
 * Revocations that fail meanwhile must reject; none that resolved may be lost on any instance
 * (ioredis moves a subscription to another node without telling: the heartbeat must notice).
 */
import { Cluster } from 'ioredis'
import {
  startRedisCluster,
  stopAllRedisProcesses,
  type RedisCluster,
  type RedisProcess,
} from '@tokenguard/test-support'
import { faultCase } from './src/fault-case'
import { closeAllInstances, startInstance } from './src/fleet'

let cluster: RedisCluster

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 })
})
afterAll(async () => {
  await closeAllInstances()
  await cluster?.stop()
  await stopAllRedisProcesses()
})

const client = () =>
  new Cluster(cluster.startupNodes, {
    redisOptions: { maxRetriesPerRequest: 1 },
    clusterRetryStrategy: (n) => Math.min(n * 50, 500),
  })

async function fleet(prefix: string) {
  const a = await startInstance({ name: 'A', client, prefix })
  const b = await startInstance({ name: 'B', client, prefix })
  return { a, b, late: () => startInstance({ name: 'C', client, prefix }) }
}

async function killUnderLoad(name: string, prefix: string, pick: () => Promise<RedisProcess>) {
  const { a, b, late } = await fleet(prefix)
  let victim: RedisProcess | undefined
  try {
    return await faultCase({
      name,
      instances: [a, b],
      revokers: [a, b],
      affected: ['A', 'B'],
      expectFailClosed: false, // a replica takes over within about the bound: 503 only if it does not
      revokeEveryMs: 5, // many revocations around the kill: a lost one would show
      fault: async () => {
        victim = await pick()
        await victim.kill()
      },
      healAt: 3500,
      heal: () => cluster.waitHealthy(10_000),
      durationMs: 5000,
      afterRecovery: async () => ({ killedPort: victim?.port }),
      newInstance: late,
    })
  } finally {
    // The killed node comes back as a replica, for the next case (also when this one failed).
    await victim?.restart()
    await cluster.waitHealthy(15_000)
  }
}

test("kill -9 of the denylist slot's master: a replica takes over; no acknowledged revocation lost on any instance", async () => {
  const before = await cluster.masterOf('cluster-data:{denylist}')
  await killUnderLoad('cluster: kill the denylist master', 'cluster-data:', async () => before)
  expect((await cluster.masterOf('cluster-data:{denylist}')).port).not.toBe(before.port)
})

test("kill -9 of the node holding an instance's subscription: no revocation lost, the moved subscriber is caught", async () => {
  await killUnderLoad('cluster: kill the subscription node', 'cluster-sub:', async () => {
    const holders = await cluster.subscribedNodes()
    expect(holders.length).toBeGreaterThan(0)
    return holders[0]!
  })
  // The feed is subscribed again, on the node that serves the slot now.
  const master = await cluster.masterOf('cluster-sub:{denylist}')
  expect((await cluster.subscribedNodes()).map((n) => n.port)).toContain(master.port)
})

test('resharding: the denylist slot moves to another master under load; no revocation lost, the feed follows', async () => {
  const { a, b, late } = await fleet('cluster-move:')
  let moved: { from: RedisProcess; to: RedisProcess } | undefined
  await faultCase({
    name: 'cluster: reshard the denylist slot',
    instances: [a, b],
    revokers: [a, b],
    affected: ['A', 'B'],
    expectFailClosed: false,
    revokeEveryMs: 5,
    fault: async () => {
      moved = await cluster.moveSlot('cluster-move:{denylist}')
    },
    durationMs: 4000,
    afterRecovery: async () => ({ movedFrom: moved?.from.port, movedTo: moved?.to.port }),
    newInstance: late,
  })
  expect((await cluster.masterOf('cluster-move:{denylist}')).port).toBe(moved!.to.port)
})
