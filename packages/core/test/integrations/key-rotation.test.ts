import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as promClient from 'prom-client'
import type { TokenEvent } from '../../src/events.js'
import { combineListeners } from '../../src/integrations/combine.js'
import { createPrometheusMetrics } from '../../src/integrations/prometheus.js'
import { createRemoteKeySet } from '../../src/keys/remote-key-set.js'
import { resolveKeySet } from '../../src/options/jwt.js'
import { signingKey, type SigningKey } from '../helpers/tokens.js'

/** A real key set endpoint that rotates: `keys_fetch` reports added/dropped, and the metrics count them. */
let server: Server
let url: string
let served: SigningKey[] = []
let k1: SigningKey
let k2: SigningKey
let k3: SigningKey

beforeAll(async () => {
  ;[k1, k2, k3] = await Promise.all([
    signingKey('ES256', 'k1'),
    signingKey('ES256', 'k2'),
    signingKey('ES256', 'k3'),
  ])
  server = createServer((_req, res) => res.end(JSON.stringify({ keys: served.map((key) => key.publicJwk) })))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

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
  served = [k1, k2]
  await keys.ready()
  clock += 2000
  await keys.ready() // same keys: no rotation
  served = [k2, k3]
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
