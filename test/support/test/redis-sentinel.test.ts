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
