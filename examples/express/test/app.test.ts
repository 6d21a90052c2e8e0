// Smoke test: the example against a real authorization server, in-process on a free port.
import {
  JWT_RESOURCE,
  OPAQUE_RESOURCE,
  API_CLIENT,
  startAuthServer,
  type AuthServer,
} from '@tokenguard/test-support'
import { createApp, type ExampleApp } from '../src/app.js'

let as: AuthServer
let example: ExampleApp
let url: string

beforeAll(async () => {
  as = await startAuthServer()
  example = createApp({
    issuer: as.issuer,
    audience: [JWT_RESOURCE, OPAQUE_RESOURCE],
    clientId: API_CLIENT.id,
    clientSecret: API_CLIENT.secret,
    algorithms: ['RS256'],
  })
  url = await example.listen(0)
})

afterAll(async () => {
  await example?.close()
  await as?.stop()
})

test('GET /public needs no token', async () => {
  const res = await fetch(`${url}/public`)
  expect(res.status).toBe(200)
})

test('GET /items: 200 with a JWT, 401 without', async () => {
  const jwt = await as.getToken('jwt', 'items:read')
  const ok = await fetch(`${url}/items`, { headers: { authorization: `Bearer ${jwt}` } })
  expect(ok.status).toBe(200)
  expect(await ok.json()).toMatchObject({ route: 'GET /items', strategy: 'jwt', scopes: ['items:read'] })

  const none = await fetch(`${url}/items`)
  expect(none.status).toBe(401)
  expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm=/)
})

test('GET /metrics counts decisions; GET /health/ready answers once keys are loaded', async () => {
  const jwt = await as.getToken('jwt', 'items:read')
  await fetch(`${url}/items`, { headers: { authorization: `Bearer ${jwt}` } })
  await fetch(`${url}/items`)
  const metrics = await (await fetch(`${url}/metrics`)).text()
  expect(metrics).toMatch(/tokenguard_requests_total\{[^}]*outcome="accepted"[^}]*\} [1-9]/)
  expect(metrics).toMatch(/tokenguard_requests_total\{[^}]*reason="missing_token"[^}]*\} [1-9]/)
  const ready = await fetch(`${url}/health/ready`)
  expect(ready.status).toBe(200)
  expect(await ready.json()).toMatchObject({ status: 'ready' })
})
