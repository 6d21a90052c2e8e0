import { keySlot, startRedisCluster, stopAllRedisProcesses, type RedisCluster } from '../src'

jest.setTimeout(60_000)

let cluster: RedisCluster
afterAll(async () => {
  await cluster?.stop()
  await stopAllRedisProcesses()
})

test('keySlot matches CLUSTER KEYSLOT, hash tags included', async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 })
  for (const key of ['a', 'tokenguard:{denylist}', 'x{denylist}:entries', '{}x', 'foo{}{bar}']) {
    expect(keySlot(key)).toBe(Number((await cluster.nodes[0]!.cli('cluster', 'keyslot', key)).trim()))
  }
})

test('3 masters + 3 replicas: healthy; killing the master of a slot promotes its replica', async () => {
  const topology = await cluster.topology()
  expect(topology.filter((n) => n.role === 'master')).toHaveLength(3)
  expect(topology.filter((n) => n.role === 'replica')).toHaveLength(3)
  const owner = await cluster.masterOf('tokenguard:{denylist}')
  await owner.kill()
  const started = Date.now()
  await cluster.waitHealthy(10_000)
  const successor = await cluster.masterOf('tokenguard:{denylist}')
  expect(successor.port).not.toBe(owner.port)
  expect(Date.now() - started).toBeLessThan(8000)
  await owner.restart() // rejoins as a replica
  await cluster.waitHealthy(10_000)
  expect((await cluster.masterOf('tokenguard:{denylist}')).port).toBe(successor.port)
})

test('subscribedNodes finds the node holding a subscription', async () => {
  const { spawn } = await import('node:child_process')
  const node = cluster.nodes.find((n) => n.running)!
  const sub = spawn('redis-cli', ['-p', String(node.port), 'subscribe', 'some-channel'], { stdio: 'ignore' })
  try {
    const deadline = Date.now() + 5000
    let found: number[] = []
    while (Date.now() < deadline && !found.includes(node.port)) {
      found = (await cluster.subscribedNodes()).map((n) => n.port)
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(found).toEqual([node.port])
  } finally {
    sub.kill('SIGKILL')
  }
})

test('moveSlot: the slot and its keys move to another master; both nodes agree', async () => {
  const key = 'moved:{denylist}'
  const before = await cluster.masterOf(key)
  await before.cli('-c', 'set', key, 'v')
  const { from, to } = await cluster.moveSlot(key)
  expect(from).toBe(before)
  expect(to).not.toBe(before)
  expect((await cluster.masterOf(key)).port).toBe(to.port)
  expect((await to.cli('get', key)).trim()).toBe('v')
  expect((await from.cli('get', key)).trim()).toMatch(/^MOVED \d+ 127\.0\.0\.1:/)
  await cluster.waitHealthy()
})
