import { Redis } from 'ioredis'
import { createValidator, type TokenEvent } from '@tokenguard/core'
import { startRedisSentinel, waitUntil, type RedisSentinel } from '@tokenguard/test-support'
import { RedisStore, sentinelOptions } from '../src/index'

// A real Sentinel deployment: a master, two replicas, three sentinels (quorum 2).
let deployment: RedisSentinel
const opened: Array<() => Promise<void> | void> = []

beforeAll(async () => {
  deployment = await startRedisSentinel({ replicas: 2, sentinels: 3, quorum: 2 })
}, 60_000)
afterAll(async () => {
  for (const close of opened.splice(0).reverse()) await close()
  await deployment?.stop()
})

test('the recommended options: every acknowledged revocation survives a failover, and the mirror follows the new master', async () => {
  const redis = new Redis({
    sentinels: deployment.sentinels,
    name: deployment.name,
    disconnectTimeout: 100,
    ...sentinelOptions(),
  })
  redis.on('error', () => {})
  const store = new RedisStore(redis, { prefix: 'sentinel:', waitForReplicas: 1, waitTimeout: 500 })
  const events: TokenEvent[] = []
  const validator = createValidator({
    issuer: 'https://issuer.test/',
    audience: 'https://api.test',
    jwt: { algorithms: ['ES256'], jwks: { keys: [] } },
    store,
    onEvent: (event) => events.push(event),
    denylist: { maxStaleness: 1, heartbeatInterval: 0.1 },
  })
  opened.push(async () => {
    await validator.close()
    await store.close()
    redis.disconnect()
  })
  await validator.ready()
  const exp = Math.floor(Date.now() / 1000) + 600
  for (let i = 0; i < 20; i++) await validator.revoke({ jti: `before-${i}`, exp })

  const { to, tookMs } = await deployment.failover('command')
  const failedOverAt = Date.now()
  // Across the switch a revocation is acknowledged or rejected loudly (no replica has caught up
  // with the new master yet, the old connection aborted): never acknowledged and then lost.
  const acknowledged: string[] = []
  const errors: string[] = []
  const deadline = Date.now() + 15_000
  let firstAcknowledgedAt = 0
  for (let i = 0; acknowledged.length < 10 && Date.now() < deadline; i++) {
    await validator.revoke({ jti: `after-${i}`, exp }).then(
      () => {
        firstAcknowledgedAt ||= Date.now()
        acknowledged.push(`after-${i}`)
      },
      (error: unknown) => {
        errors.push(String(error))
        return new Promise((resolve) => setTimeout(resolve, 50))
      },
    )
  }
  for (const error of new Set(errors)) {
    expect(error).toMatch(
      /^(RedisStoreReplicationError|AbortError|RedisStoreTimeoutError|ReplyError: READONLY)/,
    )
  }
  expect(acknowledged).toHaveLength(10)
  const onNewMaster = new Redis({ port: to.port, host: '127.0.0.1' })
  opened.push(() => onNewMaster.disconnect())
  const expected = [...Array.from({ length: 20 }, (_, i) => `before-${i}`), ...acknowledged].map(
    (id) => `jti:https://issuer.test/\n${id}`,
  )
  // Writes acknowledged by the old master in the last moments before it learnt it was demoted are
  // discarded when it rejoins as a replica; the mirror that made them notices (its add is missing
  // from the history its heartbeats see) and writes everything it holds back.
  const missing = async () => {
    const ids = new Set(await onNewMaster.hkeys('sentinel:{denylist}:entries'))
    return expected.filter((id) => !ids.has(id))
  }
  await waitUntil(async () => (await missing()).length === 0, 10_000, 50)
  expect(await missing()).toStrictEqual([])
  const repaired = events.filter((e) => e.type === 'denylist_repaired')
  console.log(
    `failover ${tookMs} ms; first acknowledged revocation ${firstAcknowledgedAt - failedOverAt} ms after it; ` +
      `${errors.length} rejected meanwhile; all ${expected.length} on the new master ${Date.now() - failedOverAt} ms after it; ` +
      `repairs: ${JSON.stringify(repaired)}`,
  )
  // The mirror proves itself fresh again against the new master.
  expect(
    await waitUntil(async () => {
      const degraded = events.filter((e) => e.type === 'store_degraded').length
      const recovered = events.filter((e) => e.type === 'store_recovered').length
      return degraded === recovered
    }, 5000),
  ).toBe(true)
  expect(tookMs).toBeLessThan(10_000)
}, 30_000)
