// An example test of an Express API, end to end with @tokenguard/express and a real (loopback) issuer.
import express from 'express'
import request from 'supertest'
import { createValidator, requireScopes, requireToken, type Validator } from '@tokenguard/express'
import { createTestIssuer, type TestIssuer } from '../src/index'

let issuer: TestIssuer
let tokens: Validator
let app: express.Express

beforeAll(async () => {
  issuer = await createTestIssuer()
  tokens = createValidator(issuer.validatorOptions())
  app = express()
  app.get('/items', requireToken(tokens, { strategy: 'jwt' }), requireScopes('items:read'), (req, res) => {
    res.json({ subject: req.auth?.subject, scopes: req.auth?.scopes })
  })
  app.get('/orders', requireToken(tokens, { strategy: 'opaque' }), (req, res) => {
    res.json({ subject: req.auth?.subject })
  })
  app.post(
    '/payments',
    requireToken(tokens, { strategy: 'opaque', sensitive: true }),
    requireScopes('payments:write'),
    (_req, res) => res.json({ ok: true }),
  )
})

afterAll(async () => {
  await tokens.close()
  await issuer.close()
})

describe('Express API with @tokenguard/testing', () => {
  it('accepts a JWT (verified locally with the issuer JWKS)', async () => {
    const token = await issuer.jwt({ sub: 'alice', scope: 'items:read' })
    const response = await request(app).get('/items').set('Authorization', `Bearer ${token}`)
    expect(response.status).toBe(200)
    expect(response.body).toEqual({ subject: 'alice', scopes: ['items:read'] })
    expect(issuer.stats.jwksFetches).toBeGreaterThanOrEqual(1)
  })

  it('accepts an opaque token (introspected)', async () => {
    const before = issuer.stats.introspections
    const token = issuer.opaque({ sub: 'bob' })
    const response = await request(app).get('/orders').set('Authorization', `Bearer ${token}`)
    expect(response.status).toBe(200)
    expect(response.body).toEqual({ subject: 'bob' })
    expect(issuer.stats.introspections).toBe(before + 1)
  })

  it('answers 403 insufficient_scope when a scope is missing', async () => {
    const token = await issuer.jwt({ scope: 'profile:read' })
    const response = await request(app).get('/items').set('Authorization', `Bearer ${token}`)
    expect(response.status).toBe(403)
    expect(response.headers['www-authenticate']).toMatch(/error="insufficient_scope"/)
    expect(response.body.error).toBe('insufficient_scope')
  })

  it('answers 401 for an expired JWT and a JWT for another audience', async () => {
    for (const token of [
      await issuer.jwt({ scope: 'items:read', expiresIn: -60 }),
      await issuer.jwt({ scope: 'items:read', aud: 'https://someone-else.test' }),
    ]) {
      const response = await request(app).get('/items').set('Authorization', `Bearer ${token}`)
      expect(response.status).toBe(401)
      expect(response.headers['www-authenticate']).toMatch(/error="invalid_token"/)
    }
  })

  it('answers 401 once an opaque token is revoked', async () => {
    const token = issuer.opaque({ scope: 'payments:write' })
    const pay = () => request(app).post('/payments').set('Authorization', `Bearer ${token}`)
    expect((await pay()).status).toBe(200)
    issuer.revoke(token)
    const response = await pay()
    expect(response.status).toBe(401)
    expect(response.body.error).toBe('invalid_token')
  })
})
