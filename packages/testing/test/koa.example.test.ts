// An example test of a Koa API, end to end with @tokenguard/koa and a real (loopback) issuer.
import Koa from 'koa'
import Router from '@koa/router'
import request from 'supertest'
import { createValidator, requireScopes, requireToken, type Validator } from '@tokenguard/koa'
import { createTestIssuer, type TestIssuer } from '../src/index'

let issuer: TestIssuer
let tokens: Validator
let server: ReturnType<Koa['callback']>

beforeAll(async () => {
  issuer = await createTestIssuer()
  tokens = createValidator(issuer.validatorOptions())
  const router = new Router()
  router.get('/items', requireToken(tokens, { strategy: 'jwt' }), requireScopes('items:read'), (ctx) => {
    ctx.body = { subject: ctx.state.auth?.subject, scopes: ctx.state.auth?.scopes }
  })
  router.get('/orders', requireToken(tokens, { strategy: 'opaque' }), (ctx) => {
    ctx.body = { subject: ctx.state.auth?.subject }
  })
  router.post(
    '/payments',
    requireToken(tokens, { strategy: 'opaque', sensitive: true }),
    requireScopes('payments:write'),
    (ctx) => {
      ctx.body = { ok: true }
    },
  )
  server = new Koa().use(router.routes()).callback()
})

afterAll(async () => {
  await tokens.close()
  await issuer.close()
})

describe('Koa API with @tokenguard/testing', () => {
  it('accepts a JWT', async () => {
    const token = await issuer.jwt({ sub: 'alice', scope: 'items:read', alg: 'ES256' })
    const response = await request(server).get('/items').set('Authorization', `Bearer ${token}`)
    expect(response.status).toBe(200)
    expect(response.body).toEqual({ subject: 'alice', scopes: ['items:read'] })
  })

  it('accepts an opaque token', async () => {
    const token = issuer.opaque({ sub: 'bob' })
    const response = await request(server).get('/orders').set('Authorization', `Bearer ${token}`)
    expect(response.status).toBe(200)
    expect(response.body).toEqual({ subject: 'bob' })
  })

  it('answers 403 insufficient_scope when a scope is missing', async () => {
    const token = await issuer.jwt({ scope: 'profile:read' })
    const response = await request(server).get('/items').set('Authorization', `Bearer ${token}`)
    expect(response.status).toBe(403)
    expect(response.headers['www-authenticate']).toMatch(/error="insufficient_scope"/)
  })

  it('answers 401 once an opaque token is revoked', async () => {
    const token = issuer.opaque({ scope: 'payments:write' })
    const pay = () => request(server).post('/payments').set('Authorization', `Bearer ${token}`)
    expect((await pay()).status).toBe(200)
    issuer.revoke(token)
    const response = await pay()
    expect(response.status).toBe(401)
    expect(response.body.error).toBe('invalid_token')
  })
})
