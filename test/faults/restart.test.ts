/**
 * Redis is killed (SIGKILL) under load and restarted on the same port, with and without
 * persistence. With an AOF (fsync always) every acknowledged revocation survives. Without one the
 * store comes back empty: the running mirrors must detect it and write their entries back, so that
 * an instance started after the repair refuses what the running instances refuse.
 */
import { Redis } from 'ioredis'
import { startRedisProcess, stopAllRedisProcesses, type Persistence } from '@tokenguard/test-support'
import { faultCase } from './src/fault-case'
import { closeAllInstances, eventsOf, startInstance, type Instance } from './src/fleet'

afterAll(async () => {
  await closeAllInstances()
  await stopAllRedisProcesses()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function killAndRestart(persistence: Persistence) {
  const redis = await startRedisProcess({ persistence })
  const client = () =>
    new Redis({
      host: '127.0.0.1',
      port: redis.port,
      maxRetriesPerRequest: 1,
      retryStrategy: (n) => Math.min(n * 50, 500),
    })
  const prefix = `restart-${persistence}:`
  const a = await startInstance({ name: 'A', client, prefix })
  const b = await startInstance({ name: 'B', client, prefix })
  let restartedAt = 0
  const repairs = (instances: Instance[]) => instances.flatMap((i) => eventsOf(i, 'denylist_repaired'))
  let repairMs: number | undefined
  const result = await faultCase({
    name: `standalone kill -9, restart ${persistence === 'aof' ? 'with AOF' : 'empty'}`,
    instances: [a, b],
    revokers: [a, b],
    affected: ['A', 'B'],
    expectFailClosed: true,
    fault: () => redis.kill(),
    healAt: 2500,
    heal: async () => {
      restartedAt = performance.now()
      await redis.restart()
    },
    durationMs: 5000,
    afterRecovery: async () => {
      if (persistence === 'none') {
        // The repair is what makes a new instance safe: wait for it (bounded), then time it.
        for (let waited = 0; repairs([a, b]).length === 0 && waited < 3000; waited += 25) await sleep(25)
        const first = repairs([a, b]).sort((x, y) => x.at - y.at)[0]
        repairMs = first ? Math.round(first.at - restartedAt) : undefined
      }
      return { repairMs, repairedEntries: repairs([a, b]).map((e) => e.entries) }
    },
    newInstance: () => startInstance({ name: 'C', client, prefix }),
  })
  return { result, repairs: repairs([a, b]), repairMs }
}

test('kill -9 with persistence (AOF): 503 on /pay within the bound, every revocation survives the restart', async () => {
  const { result } = await killAndRestart('aof')
  expect(result.unavailable).toBeGreaterThan(0)
  expect(result.revocationsRejected).toBeGreaterThan(0) // while Redis was down: rejected, not lost
})

test('kill -9 without persistence: the empty store is repaired from the running mirrors; a new instance refuses what they refuse', async () => {
  const { result, repairs, repairMs } = await killAndRestart('none')
  expect(repairs.length).toBeGreaterThan(0)
  expect(repairs[0]!.entries).toBeGreaterThan(0)
  expect(repairMs).toBeLessThan(3000)
  expect(result.lost).toBe(0)
})
