/**
 * One instance (B) loses its path to Redis while the other (A) keeps its own: a silent partition
 * (the proxy holds the connections open and drops every byte), a reset, and added latency.
 * B must fail closed on its sensitive route within the bound and come back refusing what A revoked
 * meanwhile; A must not notice.
 */
import { Redis } from 'ioredis'
import {
  startRedisProcess,
  startTcpProxy,
  stopAllRedisProcesses,
  type RedisProcess,
  type TcpProxy,
} from '@tokenguard/test-support'
import { faultCase } from './src/fault-case'
import { FAIL_CLOSED_BOUND_MS, SLACK_MS } from './src/analyze'
import { closeAllInstances, eventsOf, startInstance } from './src/fleet'

let redis: RedisProcess
let proxy: TcpProxy

beforeAll(async () => {
  redis = await startRedisProcess()
  proxy = await startTcpProxy(redis.port)
})
afterAll(async () => {
  await closeAllInstances()
  await proxy?.close()
  await stopAllRedisProcesses()
})

const client = (port: number) => () =>
  new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(n * 50, 500) })

async function fleet(prefix: string) {
  const a = await startInstance({ name: 'A', client: client(redis.port), prefix })
  const b = await startInstance({ name: 'B', client: client(proxy.port), prefix })
  const late = () => startInstance({ name: 'C', client: client(redis.port), prefix })
  return { a, b, late }
}

test('partition (pause): B answers 503 on /pay within maxStaleness + heartbeatInterval, /read keeps answering, no revoked token gets through, B recovers', async () => {
  const { a, b, late } = await fleet('partition:')
  const result = await faultCase({
    name: 'standalone partition (pause)',
    instances: [a, b],
    revokers: [a],
    affected: ['B'],
    unaffected: ['A'],
    expectFailClosed: true,
    fault: () => proxy.setMode('pause'),
    healAt: 3000,
    heal: () => proxy.setMode('pass'),
    newInstance: late,
  })
  expect(result.unavailable).toBeGreaterThan(0)
  // B said so once, when the bound ran out, and once when it was fresh again; A said nothing.
  const degraded = eventsOf(b, 'store_degraded')
  expect(degraded).toHaveLength(1)
  expect(degraded[0]!.at - result.run.t0 - result.run.faultAt).toBeLessThanOrEqual(
    FAIL_CLOSED_BOUND_MS + SLACK_MS,
  )
  expect(eventsOf(b, 'store_recovered')).toHaveLength(1)
  expect(eventsOf(a, 'store_degraded')).toHaveLength(0)
})

test('reset (RST on every connection): B fails closed, recovers, loses nothing', async () => {
  const { a, b, late } = await fleet('reset:')
  await faultCase({
    name: 'standalone partition (reset)',
    instances: [a, b],
    revokers: [a],
    affected: ['B'],
    unaffected: ['A'],
    expectFailClosed: true,
    fault: () => proxy.setMode('reset'),
    healAt: 3000,
    heal: () => proxy.setMode('pass'),
    newInstance: late,
  })
})

test('latency (50 ms each way, far below the bound): B stays fresh, revocations reach it late but within the bound', async () => {
  const { a, b } = await fleet('latency:')
  const result = await faultCase({
    name: 'standalone latency 50 ms',
    instances: [a, b],
    revokers: [a],
    affected: ['B'],
    unaffected: ['A', 'B'],
    expectFailClosed: false,
    fault: () => proxy.setMode('latency', { latencyMs: 50 }),
    healAt: 3000,
    heal: () => proxy.setMode('pass'),
  })
  // Revocations resolved while the latency was on reached B no sooner than one trip, and in time.
  const during = result.run.propagation.filter(
    (p) => p.instance === 'B' && p.resolvedAt > 1050 && p.resolvedAt < 2900,
  )
  expect(during.length).toBeGreaterThan(10)
  for (const p of during) {
    expect(p.outcome).toBe('revoked')
    expect(p.ms).toBeGreaterThanOrEqual(45)
    expect(p.ms).toBeLessThan(1000)
  }
})
