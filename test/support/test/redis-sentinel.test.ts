import { startRedisSentinel, stopAllRedisProcesses, type RedisSentinel } from '../src'

jest.setTimeout(60_000)

let sentinel: RedisSentinel
afterAll(async () => {
  await sentinel?.stop()
  await stopAllRedisProcesses()
})

test('1 master, 2 replicas, 3 sentinels: a forced failover and a killed master each move the master within 5 s', async () => {
  sentinel = await startRedisSentinel({ replicas: 2, sentinels: 3 })
  const first = await sentinel.master()
  expect(first).toBe(sentinel.servers[0])
  await first.cli('set', 'k', 'v')

  const forced = await sentinel.failover('command')
  expect(forced.from).toBe(first)
  expect(forced.to).not.toBe(first)
  expect(forced.tookMs).toBeLessThan(5000)
  expect((await forced.to.cli('get', 'k')).trim()).toBe('v')
  await sentinel.waitReplicasInSync(1) // the demoted master rejoins later

  const crashed = await sentinel.failover('kill')
  expect(crashed.from).toBe(forced.to)
  expect(crashed.from.running).toBe(false)
  expect(crashed.tookMs).toBeLessThan(5000)
  expect((await crashed.to.cli('role')).split('\n')[0]).toBe('master')
})

test('a stale failover: a write acknowledged while the replicas were frozen is missing on the new master', async () => {
  await sentinel.stop()
  sentinel = await startRedisSentinel({ replicas: 2, sentinels: 3 })
  const master = await sentinel.master()
  await master.cli('set', 'before', '1')
  await sentinel.waitReplicasInSync()
  let seenByReplicas: string[] = []
  const failover = sentinel.failover('stale', {
    staleMs: 400,
    onStale: async (replicas) => {
      seenByReplicas = await Promise.all(replicas.map(async (r) => (await r.cli('get', 'during')).trim()))
    },
  })
  await new Promise((r) => setTimeout(r, 100))
  expect((await master.cli('set', 'during', '1')).trim()).toBe('OK') // acknowledged by the master alone
  const result = await failover
  expect(result.from).toBe(master)
  expect(seenByReplicas).toEqual(['', ''])
  expect((await result.to.cli('get', 'before')).trim()).toBe('1')
  expect((await result.to.cli('get', 'during')).trim()).toBe('')
})
