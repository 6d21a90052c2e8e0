/**
 * Redis is frozen (SIGSTOP): its sockets stay open, nothing answers, no event fires on the client.
 * Every instance must fail closed on /pay within the bound and keep serving /read; after SIGCONT
 * the fleet recovers and honours every revocation that resolved.
 */
import { Redis } from 'ioredis'
import { startRedisProcess, stopAllRedisProcesses, type RedisProcess } from '@tokenguard/test-support'
import { faultCase } from './src/fault-case'
import { closeAllInstances, startInstance } from './src/fleet'

let redis: RedisProcess

beforeAll(async () => {
  redis = await startRedisProcess()
})
afterAll(async () => {
  await closeAllInstances()
  await stopAllRedisProcesses()
})

const client = () =>
  new Redis({
    host: '127.0.0.1',
    port: redis.port,
    maxRetriesPerRequest: 1,
    retryStrategy: (n) => Math.min(n * 50, 500),
  })

test('SIGSTOP for 2 s: every instance answers 503 on /pay within maxStaleness + heartbeatInterval; SIGCONT: recovered, nothing lost', async () => {
  const a = await startInstance({ name: 'A', client, prefix: 'sigstop:' })
  const b = await startInstance({ name: 'B', client, prefix: 'sigstop:' })
  const result = await faultCase({
    name: 'standalone SIGSTOP/SIGCONT',
    instances: [a, b],
    revokers: [a, b],
    affected: ['A', 'B'],
    expectFailClosed: true,
    fault: () => redis.pause(),
    healAt: 3000,
    heal: () => redis.resume(),
    newInstance: () => startInstance({ name: 'C', client, prefix: 'sigstop:' }),
  })
  expect(result.unavailable).toBeGreaterThan(0)
  // Revocations while Redis is frozen reject (they are not acknowledged): none resolves unseen.
  expect(result.revocationsRejected).toBeGreaterThan(0)
})
