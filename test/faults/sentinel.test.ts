/**
 * Sentinel (1 master, 2 replicas, 3 sentinels, quorum 2, down-after 1 s), clients built with the
 * options the RedisStore README recommends. A fresh deployment per case:
 * - a forced failover (SENTINEL FAILOVER): the old master keeps accepting writes until the
 *   sentinels demote it, so clients must move at once;
 * - a failover to a stale replica (replicas frozen and cut off for 0.5 s while the master keeps
 *   acknowledging, then the master killed), with `waitForReplicas: 1`: what no replica acknowledged
 *   was rejected, nothing acknowledged is missing on the new master;
 * - the same without it: acknowledged revocations are missing on the new master (counted), and the
 *   running mirrors must write them back.
 * In every case no instance, including one started afterwards, accepts a revocation that resolved.
 */
import { Redis } from 'ioredis'
import { decodeJwt } from 'jose'
import {
  startRedisSentinel,
  stopAllRedisProcesses,
  type RedisProcess,
  type RedisSentinel,
} from '@tokenguard/test-support'
import { faultCase } from './src/fault-case'
import { closeAllInstances, eventsOf, startInstance, type Instance } from './src/fleet'
import type { Run } from './src/load'

afterAll(async () => {
  await closeAllInstances()
  await stopAllRedisProcesses()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The client options the README recommends for Sentinel. */
const sentinelClient = (sentinel: RedisSentinel) => () =>
  new Redis({
    sentinels: sentinel.sentinels,
    name: sentinel.name,
    role: 'master',
    failoverDetector: true,
    maxRetriesPerRequest: 1,
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
    sentinelRetryStrategy: (n) => Math.min(n * 100, 1000),
    retryStrategy: (n) => Math.min(n * 50, 500),
  })

const jti = (token: string) => String(decodeJwt(token).jti)

/** Resolved revocations (before `until`, a performance.now() time) that `stored` (HKEYS output) lacks. */
function missing(run: Run, stored: string, until = Infinity): number {
  return run.revocations.filter(
    (r) => r.resolved !== undefined && run.t0 + r.resolved < until && !stored.includes(jti(r.token)),
  ).length
}

async function failoverCase(options: {
  name: string
  how: 'command' | 'stale'
  storeOptions?: Record<string, unknown>
}) {
  const sentinel = await startRedisSentinel({
    replicas: 2,
    sentinels: 3,
    downAfterMs: 1000,
    failoverTimeoutMs: 3000,
  })
  const prefix = `sentinel-${options.how}:`
  const entriesKey = `${prefix}{denylist}:entries`
  const client = sentinelClient(sentinel)
  const start = (name: string) => startInstance({ name, client, prefix, storeOptions: options.storeOptions })
  const a = await start('A')
  const b = await start('B')
  let failoverMs: number | undefined
  let promoted: RedisProcess | undefined
  /** What each replica held right after the old master died (before any promotion or repair). */
  const snapshots = new Map<RedisProcess, string>()
  let killedAt = Infinity
  let failedOverAt = 0
  const repairs = (instances: Instance[]) => instances.flatMap((i) => eventsOf(i, 'denylist_repaired'))
  let missingOnNewMaster: number | undefined
  const result = await faultCase({
    name: options.name,
    instances: [a, b],
    revokers: [a, b],
    affected: ['A', 'B'],
    expectFailClosed: false, // a failover faster than maxStaleness need not fail closed
    fault: async () => {
      const done = await sentinel.failover(options.how, {
        staleMs: 500,
        onStale: async (replicas) => {
          killedAt = performance.now()
          for (const r of replicas) snapshots.set(r, await r.cli('hkeys', entriesKey))
        },
      })
      failoverMs = done.tookMs
      promoted = done.to
      failedOverAt = performance.now()
    },
    durationMs: 6000,
    afterRecovery: async (run) => {
      const before = snapshots.get(promoted!)
      missingOnNewMaster = before === undefined ? undefined : missing(run, before, killedAt)
      // Give the running mirrors' heartbeats time to notice a store that went back, and repair it.
      for (let waited = 0; repairs([a, b]).length === 0 && waited < 1500; waited += 25) await sleep(25)
      const first = repairs([a, b]).sort((x, y) => x.at - y.at)[0]
      return {
        failoverMs,
        missingOnNewMaster,
        repairs: repairs([a, b]).length,
        // From the sentinels naming the new master to the first mirror's write-back.
        repairMs: first ? Math.round(first.at - failedOverAt) : undefined,
      }
    },
    newInstance: () => start('C'),
  })
  const missingAtEnd = missing(result.run, await (await sentinel.master()).cli('hkeys', entriesKey))
  // The fleet goes first: clients of a deployment that is gone would only retry (and their
  // failover detectors' sentinel connections report each refusal as an unhandled 'error').
  await closeAllInstances()
  await sentinel.stop()
  return { result, failoverMs: failoverMs!, missingOnNewMaster, missingAtEnd, repairs: repairs([a, b]) }
}

test('forced failover (SENTINEL FAILOVER): clients move at once; no instance accepts a resolved revocation, a new one neither', async () => {
  const { failoverMs, missingAtEnd } = await failoverCase({
    name: 'sentinel: forced failover',
    how: 'command',
  })
  expect(failoverMs).toBeLessThan(5000)
  expect(missingAtEnd).toBe(0)
})

test('failover to a stale replica, waitForReplicas 1: revocations the replicas never got were rejected, none is missing', async () => {
  const { result, missingOnNewMaster, missingAtEnd } = await failoverCase({
    name: 'sentinel: stale failover, waitForReplicas 1',
    how: 'stale',
    storeOptions: { waitForReplicas: 1, waitTimeout: 300 },
  })
  expect(result.revocationsRejected).toBeGreaterThan(0) // while no replica acknowledged: loud
  expect(missingOnNewMaster).toBe(0)
  expect(missingAtEnd).toBe(0)
})

test('failover to a stale replica, no waitForReplicas: what the new master lacks is written back by the running mirrors', async () => {
  const { result, missingOnNewMaster, missingAtEnd, repairs } = await failoverCase({
    name: 'sentinel: stale failover, no WAIT',
    how: 'stale',
  })
  expect(missingOnNewMaster).toBeGreaterThan(0) // the fault did lose acknowledged revocations from Redis
  expect(repairs.length).toBeGreaterThan(0)
  expect(missingAtEnd).toBe(0)
  expect(result.lost).toBe(0)
})
