// An example test of a Fastify API, end to end with @tokenguard/fastify and a real (loopback) issuer.
import Fastify, { type FastifyInstance } from 'fastify'
import tokenguard, { createValidator, type Validator } from '@tokenguard/fastify'
import { createTestIssuer, type TestIssuer } from '../src/index'

let issuer: TestIssuer
let tokens: Validator
let app: FastifyInstance

beforeAll(async () => {
  issuer = await createTestIssuer()
  tokens = createValidator(issuer.validatorOptions())
  app = Fastify()
  await app.register(tokenguard, { validator: tokens })
  app.get(
    '/items',
    { onRequest: app.requireToken({ strategy: 'jwt' }), preHandler: app.requireScopes('items:read') },
    async (request) => ({ subject: request.auth?.subject, scopes: request.auth?.scopes }),
  )
  app.get('/orders', { onRequest: app.requireToken({ strategy: 'opaque' }) }, async (request) => ({
    subject: request.auth?.subject,
  }))
  app.post(
    '/payments',
    {
      onRequest: app.requireToken({ strategy: 'opaque', sensitive: true }),
      preHandler: app.requireScopes('payments:write'),
    },
    async () => ({ ok: true }),
  )
  await app.ready()
})

afterAll(async () => {
  await app.close()
  await tokens.close()
  await issuer.close()
})

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('Fastify API with @tokenguard/testing', () => {
  it('accepts a JWT', async () => {
    const token = await issuer.jwt({ sub: 'alice', scope: 'items:read', alg: 'EdDSA' })
    const response = await app.inject({ method: 'GET', url: '/items', headers: bearer(token) })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ subject: 'alice', scopes: ['items:read'] })
  })

  it('accepts an opaque token', async () => {
    const token = issuer.opaque({ sub: 'bob' })
    const response = await app.inject({ method: 'GET', url: '/orders', headers: bearer(token) })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ subject: 'bob' })
  })

  it('answers 403 insufficient_scope when a scope is missing', async () => {
    const token = await issuer.jwt({ scope: 'profile:read' })
    const response = await app.inject({ method: 'GET', url: '/items', headers: bearer(token) })
    expect(response.statusCode).toBe(403)
    expect(response.headers['www-authenticate']).toMatch(/error="insufficient_scope"/)
  })

  it('answers 401 once an opaque token is revoked', async () => {
    const token = issuer.opaque({ scope: 'payments:write' })
    const pay = () => app.inject({ method: 'POST', url: '/payments', headers: bearer(token) })
    expect((await pay()).statusCode).toBe(200)
    issuer.revoke(token)
    const response = await pay()
    expect(response.statusCode).toBe(401)
    expect(response.json().error).toBe('invalid_token')
  })

  it('answers 401 for an expired opaque token', async () => {
    const token = issuer.opaque({ expiresIn: -1 })
    const response = await app.inject({ method: 'GET', url: '/orders', headers: bearer(token) })
    expect(response.statusCode).toBe(401)
    expect(response.headers['www-authenticate']).toMatch(/error="invalid_token"/)
  })
})
