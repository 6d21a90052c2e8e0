import * as promClient from 'prom-client'
import type { TokenEvent } from '../../src/events.js'
import { combineListeners } from '../../src/integrations/combine.js'
import { createPrometheusMetrics } from '../../src/integrations/prometheus.js'
import { createRemoteKeySet } from '../../src/keys/remote-key-set.js'
import { resolveKeySet } from '../../src/options/jwt.js'
import { createTestIssuer, type TestIssuer } from '../helpers/issuer.js'

/** A real key set endpoint that rotates: `keys_fetch` reports added/dropped, and the metrics count them. */
let issuer: TestIssuer
let url: string

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] })
  await issuer.rotateKeys() // two keys published: the new one and the one it replaced
  url = issuer.jwksUri
})

afterAll(() => issuer.close())

it('reports keys added and dropped on a rotation only', async () => {
  const events: Array<Extract<TokenEvent, { type: 'keys_fetch' }>> = []
  const metrics = createPrometheusMetrics(promClient)
  let clock = 1_000_000
  const keys = createRemoteKeySet({
    jwksUri: url,
    algorithms: ['ES256'],
    keySet: { ...resolveKeySet(undefined), cacheMaxAgeMs: 1000 },
    now: () => clock,
    onEvent: combineListeners(metrics.onEvent, (event) => {
      if (event.type === 'keys_fetch') events.push(event)
    }),
  })
  await keys.ready()
  clock += 2000
  await keys.ready() // same keys: no rotation
  await issuer.rotateKeys({ keepOld: 1 }) // one key added, the oldest dropped
  clock += 2000
  await keys.ready()

  expect(events.map(({ keys, added, dropped }) => ({ keys, added, dropped }))).toEqual([
    { keys: 2, added: undefined, dropped: undefined },
    { keys: 2, added: undefined, dropped: undefined },
    { keys: 2, added: 1, dropped: 1 },
  ])
  expect(events[0]).not.toHaveProperty('added')
  const text = await metrics.registry.metrics()
  expect(text).toContain('tokenguard_keys_rotated_total{change="added"} 1')
  expect(text).toContain('tokenguard_keys_rotated_total{change="dropped"} 1')
  expect(text).toContain('tokenguard_keys_fetch_total{outcome="ok"} 3')
  keys.close()
})
