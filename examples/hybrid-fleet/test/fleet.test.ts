// Two instances sharing a real Redis: a revocation through one instance's /admin/revoke is refused by
// both on the sensitive route, while the read route keeps accepting the (short-lived) JWT.
import {
  API_CLIENT,
  DEFAULT_SCOPES,
  JWT_RESOURCE,
  OPAQUE_RESOURCE,
  startAuthServer,
  startRedis,
  type AuthServer,
  type RedisServer,
} from '@tokenguard/test-support'
import { createInstance, type FleetInstance } from '../src/app.js'

let as: AuthServer
let redis: RedisServer
const instances: FleetInstance[] = []
const urls: string[] = []

beforeAll(async () => {
  ;[as, redis] = await Promise.all([startAuthServer({ scopes: [...DEFAULT_SCOPES, 'admin'] }), startRedis()])
  for (const name of ['a', 'b']) {
    const instance = createInstance({
      instance: name,
      issuer: as.issuer,
      audience: [JWT_RESOURCE, OPAQUE_RESOURCE],
      clientId: API_CLIENT.id,
      clientSecret: API_CLIENT.secret,
      algorithms: ['RS256'],
      redisUrl: redis.url,
    })
    instances.push(instance)
    await instance.validator.ready()
    urls.push(await instance.listen(0))
  }
})

afterAll(async () => {
  await Promise.allSettled(instances.map((instance) => instance.close()))
  await as?.stop()
  await redis?.stop()
})

const send = (url: string, method: string, token: string, body?: unknown) =>
  fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })

async function statusWithin(url: string, token: string, wanted: number, ms: number): Promise<number> {
  const deadline = Date.now() + ms
  for (;;) {
    const { status } = await send(url, 'POST', token)
    if (status === wanted || Date.now() > deadline) return status
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

test('a JWT revoked on instance a is refused by both on /payments, still accepted on /items', async () => {
  const [a, b] = urls as [string, string]
  const jwt = await as.getToken('jwt', 'items:read payments:write')
  const admin = await as.getToken('opaque', 'admin')

  expect((await send(`${a}/payments`, 'POST', jwt)).status).toBe(200)
  expect((await send(`${b}/payments`, 'POST', jwt)).status).toBe(200)

  const revoked = await send(`${a}/admin/revoke`, 'POST', admin, { token: jwt })
  expect(revoked.status).toBe(200)

  expect((await send(`${a}/payments`, 'POST', jwt)).status).toBe(401)
  expect(await statusWithin(`${b}/payments`, jwt, 401, 2000)).toBe(401)
  expect((await send(`${b}/items`, 'GET', jwt)).status).toBe(200)
})

test('/admin/revoke needs the admin scope', async () => {
  const [a] = urls as [string]
  const jwt = await as.getToken('jwt', 'items:read payments:write')
  const res = await send(`${a}/admin/revoke`, 'POST', jwt, { token: jwt })
  expect(res.status).toBe(403)
  expect(res.headers.get('www-authenticate')).toContain('scope="admin"')
})
