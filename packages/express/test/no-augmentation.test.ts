import express from 'express'
import request from 'supertest'
import { ADAPTER_AUDIENCE, ADAPTER_ISSUER, useAdapterKeys } from '@tokenguard/test-support'
import * as main from '../src/index'
import * as bare from '../src/no-augmentation'
import { authOf, createValidator, requireScopes, requireToken } from '../src/no-augmentation'

const { keys, token } = useAdapterKeys()

// The entry point without the global `req.auth` declaration: same middleware, context read by authOf.
function app() {
  const validator = createValidator({
    issuer: ADAPTER_ISSUER,
    audience: ADAPTER_AUDIENCE,
    jwt: { algorithms: ['RS256'], jwks: { keys: Object.values(keys).map((k) => k.jwk) } },
  })
  const server = express()
  server.get('/items', requireToken(validator), requireScopes('items:read'), (req, res) => {
    res.json({ subject: authOf(req)?.subject ?? null, scopes: authOf(req)?.scopes ?? null })
  })
  server.get('/maybe', requireToken(validator, { optional: true }), (req, res) => {
    res.json({ auth: authOf(req) ?? null })
  })
  return server
}

describe('@tokenguard/express/no-augmentation', () => {
  it('exports what the main entry point exports', () => {
    expect(Object.keys(main).sort()).toEqual(Object.keys(bare).sort())
  })

  it('authOf reads the context requireToken set, and guards see it', async () => {
    const ok = await request(app())
      .get('/items')
      .set('Authorization', `Bearer ${await token('RS256')}`)
    expect({ status: ok.status, body: ok.body }).toEqual({
      status: 200,
      body: { subject: 'alice', scopes: ['items:read'] },
    })
  })

  it('authOf is undefined on an optional route without a token; a missing token is still 401', async () => {
    const none = await request(app()).get('/maybe')
    expect({ status: none.status, body: none.body }).toEqual({ status: 200, body: { auth: null } })
    const refused = await request(app()).get('/items')
    expect(refused.status).toBe(401)
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer realm="/)
  })
})
