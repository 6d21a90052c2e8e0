import { createValidator } from '@tokenguard/core'
import { createTestIssuer, type TestIssuer } from '../../../packages/testing/src/index'
import { Agent } from 'undici'
import type { RunningApp } from '../src/harness'
import { express4Harness, expressHarness } from '../src/harnesses/express'
import { fastifyHarness } from '../src/harnesses/fastify'
import { koa2Harness, koaHarness } from '../src/harnesses/koa'
import { bearer, send, type Answer, type SendOptions } from '../src/http-client'
import { jwtOptions, jwtRoutes, opaqueRoutes } from '../src/suite'
import { AUDIENCE, ISSUER, accessToken, signingKey } from '../src/tokens'

// The same request, byte for byte, to all three adapters at once: the answers must be identical
// (status, the headers that carry meaning, and the parsed body, auth context included).
// The older majors too: one answer across every framework version the peer ranges promise.
const harnesses = [expressHarness, koaHarness, fastifyHarness, express4Harness, koa2Harness]
let apps: RunningApp[] = []
let server: TestIssuer
let dispatcher: Agent
const requests: Array<[string, string, SendOptions]> = []

function comparable(answer: Answer) {
  const { status, headers, json } = answer
  return {
    status,
    wwwAuthenticate: headers['www-authenticate'],
    retryAfter: headers['retry-after'],
    contentType: headers['content-type'],
    json,
  }
}

beforeAll(async () => {
  const key = await signingKey('main')
  server = await createTestIssuer()
  dispatcher = new Agent()
  const validator = createValidator(
    jwtOptions(key, {
      allowBodyToken: true,
      introspection: { endpoint: server.introspectionEndpoint, ...server.validatorOptions().introspection },
      dispatcher,
    }),
  )
  const routes = [...jwtRoutes.filter((route) => route.path !== '/next'), ...opaqueRoutes]
  apps = await Promise.all(harnesses.map((harness) => harness.start(validator, routes)))

  const good = await accessToken(key, { tenant: { id: 'acme', tier: 2 }, scope: ['items:read', 'extra'] })
  const now = Math.floor(Date.now() / 1000)
  const opaque = server.opaque({
    aud: AUDIENCE,
    sub: 'bob',
    scope: 'items:read',
    expiresIn: 60,
    claims: { iss: ISSUER },
  })
  const form: Array<[string, string]> = [['Content-Type', 'application/x-www-form-urlencoded']]
  requests.push(
    ['good JWT', '/plain', { headers: bearer(good) }],
    ['no token', '/items', {}],
    ['missing scope', '/admin', { headers: bearer(good) }],
    ['any scope', '/any-missing', { headers: bearer(good) }],
    ['claims', '/tenant', { headers: bearer(good) }],
    ['expired', '/items', { headers: bearer(await accessToken(key, { exp: now - 300, iat: now - 600 })) }],
    ['two headers', '/items', { headers: [...bearer(good), ...bearer(good)] }],
    ['optional, none', '/maybe', {}],
    ['optional, good', '/maybe', { headers: bearer(good) }],
    ['guard only', '/guard-only', { headers: bearer(good) }],
    ['form body', '/form', { method: 'POST', headers: form, body: `access_token=${good}` }],
    ['opaque', '/opaque', { headers: bearer(opaque) }],
    ['opaque inactive', '/opaque', { headers: bearer('opaque-unknown') }],
    ['hybrid JWT', '/hybrid', { headers: bearer(good) }],
    ['hybrid opaque', '/hybrid', { headers: bearer(opaque) }],
  )
})

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()))
  await dispatcher?.close()
  await server?.close()
})

it('answers every request identically on Express, Koa and Fastify', async () => {
  for (const [name, path, options] of requests) {
    const [express, ...others] = await Promise.all(
      apps.map(async (app) => comparable(await send(app.url, path, options))),
    )
    for (const [index, answer] of others.entries()) {
      expect({ request: name, adapter: harnesses[index + 1]!.name, answer }).toEqual({
        request: name,
        adapter: harnesses[index + 1]!.name,
        answer: express,
      })
    }
  }
})

it('hands every handler a deep-equal auth context for the same token', async () => {
  const [, path, options] = requests[0]!
  const bodies = await Promise.all(apps.map(async (app) => (await send(app.url, path, options)).json))
  expect(bodies[0]).toMatchObject({
    auth: { strategy: 'jwt', subject: 'alice', claims: { tenant: { id: 'acme', tier: 2 } } },
  })
  expect(bodies[1]).toEqual(bodies[0])
  expect(bodies[2]).toEqual(bodies[0])
})
