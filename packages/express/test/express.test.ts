import { createServer, type Server } from 'node:http'
import express, { type ErrorRequestHandler } from 'express'
import request from 'supertest'
import { ADAPTER_AUDIENCE, ADAPTER_ISSUER, useAdapterKeys } from '@tokenguard/test-support'
import { Agent } from 'undici'
import {
  createValidator,
  requireAnyScope,
  requireClaims,
  requireScopes,
  requireToken,
  TokenError,
} from '../src/index'

const ISSUER = ADAPTER_ISSUER
const AUDIENCE = ADAPTER_AUDIENCE
const { keys, token } = useAdapterKeys()

function tokens() {
  return createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    realm: 'items',
    jwt: { algorithms: ['RS256', 'ES256', 'EdDSA'], jwks: { keys: Object.values(keys).map((k) => k.jwk) } },
  })
}

function app() {
  const validator = tokens()
  const server = express()
  server.use(express.urlencoded({ extended: false }))
  server.get('/items', requireToken(validator), requireScopes('items:read'), (req, res) => {
    res.json({ subject: req.auth?.subject, scopes: req.auth?.scopes })
  })
  server.get('/admin', requireToken(validator), requireScopes('items:read', 'admin'), (_req, res) =>
    res.json({ ok: true }),
  )
  server.get('/any', requireToken(validator), requireAnyScope('admin', 'items:read'), (_req, res) =>
    res.json({ ok: true }),
  )
  server.get(
    '/tenant',
    requireToken(validator),
    requireClaims((c) => c.tenant === 'acme'),
    (_req, res) => res.json({ ok: 1 }),
  )
  server.get('/maybe', requireToken(validator, { optional: true }), (req, res) =>
    res.json({ subject: req.auth?.subject ?? null }),
  )
  server.get('/unguarded', requireScopes('items:read'), (_req, res) => res.json({ ok: true }))
  return server
}

describe('Express adapter', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)('accepts a good %s token and sets req.auth', async (alg) => {
    const response = await request(app())
      .get('/items')
      .set('Authorization', `Bearer ${await token(alg)}`)
    expect(response.status).toBe(200)
    expect(response.body).toEqual({ subject: 'alice', scopes: ['items:read'] })
  })

  it('answers a request without a token 401 with a bare challenge', async () => {
    const response = await request(app()).get('/items')
    expect(response.status).toBe(401)
    expect(response.headers['www-authenticate']).toBe('Bearer realm="items"')
    expect(response.body).toEqual({ error: 'unauthorized', error_description: 'A bearer token is required' })
  })

  it('answers a bad token 401 invalid_token with a generic description', async () => {
    const response = await request(app())
      .get('/items')
      .set('Authorization', `Bearer ${await token('RS256', { exp: 1 })}`)
    expect(response.status).toBe(401)
    expect(response.headers['www-authenticate']).toBe(
      'Bearer realm="items", error="invalid_token", error_description="The access token is invalid"',
    )
    expect(response.body).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    })
    expect(response.text).not.toMatch(/expired|stack|at /)
  })

  it('answers two Authorization headers 400 invalid_request', async () => {
    const good = await token()
    const response = await request(app())
      .get('/items')
      .set('Authorization', `Bearer ${good}`)
      .set('authorization', `Bearer ${good}`)
    // supertest folds same-name headers; send raw headers instead.
    const raw = await rawGet(app(), '/items', [
      ['Authorization', `Bearer ${good}`],
      ['Authorization', `Bearer ${good}`],
    ])
    expect([response.status, raw.status]).toContain(400)
    expect(raw.status).toBe(400)
    expect(raw.headers['www-authenticate']).toMatch(/^Bearer realm="items", error="invalid_request"/)
  })

  it('answers a missing scope 403 naming the required scopes', async () => {
    const response = await request(app())
      .get('/admin')
      .set('Authorization', `Bearer ${await token()}`)
    expect(response.status).toBe(403)
    expect(response.headers['www-authenticate']).toBe(
      'Bearer realm="items", error="insufficient_scope", error_description="The access token lacks a required scope", scope="items:read admin"',
    )
    expect(response.body.error).toBe('insufficient_scope')
  })

  it('lets requireAnyScope pass with one scope and requireClaims decide on claims', async () => {
    const good = await token()
    expect((await request(app()).get('/any').set('Authorization', `Bearer ${good}`)).status).toBe(200)
    expect((await request(app()).get('/tenant').set('Authorization', `Bearer ${good}`)).status).toBe(401)
    const tenant = await token('RS256', { tenant: 'acme' })
    expect((await request(app()).get('/tenant').set('Authorization', `Bearer ${tenant}`)).status).toBe(200)
  })

  it('optional mode: passes without a token, rejects a bad one, accepts a good one', async () => {
    expect((await request(app()).get('/maybe')).body).toEqual({ subject: null })
    expect((await request(app()).get('/maybe').set('Authorization', 'Basic dTpw')).body).toEqual({
      subject: null,
    })
    expect((await request(app()).get('/maybe').set('Authorization', 'Bearer not.a.jwt')).status).toBe(401)
    const good = await token()
    expect((await request(app()).get('/maybe').set('Authorization', `Bearer ${good}`)).body).toEqual({
      subject: 'alice',
    })
  })

  it('a guard without requireToken before it answers 401', async () => {
    expect((await request(app()).get('/unguarded')).status).toBe(401)
  })

  it('errors: "next" hands TokenErrors to the app error handler', async () => {
    const server = express()
    const seen: TokenError[] = []
    server.get('/x', requireToken(tokens(), { errors: 'next' }), requireScopes('admin'), (_req, res) =>
      res.json({}),
    )
    const handler: ErrorRequestHandler = (error, _req, res, _next) => {
      seen.push(error)
      res.status(418).json({ mine: error.reason })
    }
    server.use(handler)
    expect((await request(server).get('/x')).body).toEqual({ mine: 'missing_token' })
    expect(
      (
        await request(server)
          .get('/x')
          .set('Authorization', `Bearer ${await token()}`)
      ).body,
    ).toEqual({
      mine: 'insufficient_scope',
    })
    expect(seen.every((error) => error instanceof TokenError)).toBe(true)
  })

  it('builds a validator from inline options once, at declaration', async () => {
    const server = express()
    const middleware = requireToken({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwt: { algorithms: ['ES256'], jwks: { keys: [keys.ES256!.jwk] } },
    })
    server.get('/x', middleware, (req, res) => res.json({ sub: req.auth?.subject }))
    expect(
      (
        await request(server)
          .get('/x')
          .set('Authorization', `Bearer ${await token('ES256')}`)
      ).body,
    ).toEqual({ sub: 'alice' })
    expect(() => requireToken({ issuer: ISSUER, audience: AUDIENCE } as never)).toThrow(TypeError)
    expect(() => requireToken(tokens(), { errors: 'throw' as never })).toThrow(TypeError)
    expect(() => requireToken(tokens(), { strategy: 'opaque' })).toThrow(TypeError)
  })

  it('reads a form-body token only when enabled', async () => {
    const server = express()
    server.use(express.urlencoded({ extended: false }))
    const bodyTokens = createValidator({
      issuer: ISSUER,
      audience: AUDIENCE,
      allowBodyToken: true,
      jwt: { algorithms: ['RS256'], jwks: { keys: [keys.RS256!.jwk] } },
    })
    server.post('/on', requireToken(bodyTokens), (req, res) => res.json({ sub: req.auth?.subject }))
    server.post('/off', requireToken(tokens()), (req, res) => res.json({ sub: req.auth?.subject }))
    const form = `access_token=${await token()}`
    const on = await request(server).post('/on').type('form').send(form)
    expect(on.body).toEqual({ sub: 'alice' })
    expect((await request(server).post('/off').type('form').send(form)).status).toBe(401)
  })

  describe('key set outage', () => {
    let jwksServer: Server
    let dispatcher: Agent
    let down = false
    let jwksUri: string
    beforeAll(async () => {
      dispatcher = new Agent()
      jwksServer = createServer((_req, res) => {
        if (down) return res.writeHead(500).end('down')
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ keys: [keys.RS256!.jwk] }))
      })
      await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
      jwksUri = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/jwks`
    })
    afterAll(async () => {
      await dispatcher.close()
      await new Promise((resolve) => jwksServer.close(resolve))
    })

    it('answers 503 with Retry-After when no key set could ever be loaded, and recovers', async () => {
      down = true
      const server = express()
      const remote = createValidator({
        issuer: ISSUER,
        audience: AUDIENCE,
        dispatcher,
        jwt: { algorithms: ['RS256'], jwksUri, keySet: { cooldown: 0 } },
      })
      server.get('/x', requireToken(remote), (req, res) => res.json({ sub: req.auth?.subject }))
      const good = await token()
      const outage = await request(server).get('/x').set('Authorization', `Bearer ${good}`)
      expect(outage.status).toBe(503)
      expect(Number(outage.headers['retry-after'])).toBeGreaterThanOrEqual(1)
      expect(outage.headers['www-authenticate']).toBeUndefined()
      expect(outage.body.error).toBe('temporarily_unavailable')
      down = false
      expect((await request(server).get('/x').set('Authorization', `Bearer ${good}`)).body).toEqual({
        sub: 'alice',
      })
    })
  })
})

/** A GET with exactly these raw headers (supertest would merge repeated ones). */
async function rawGet(server: express.Express, path: string, headers: Array<[string, string]>) {
  const http = await import('node:http')
  const listener = server.listen(0, '127.0.0.1')
  await new Promise((resolve) => listener.once('listening', resolve))
  const port = (listener.address() as { port: number }).port
  try {
    return await new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>(
      (resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
          res.resume()
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }))
        })
        for (const [name, value] of headers) req.appendHeader(name, value)
        req.on('error', reject)
        req.end()
      },
    )
  } finally {
    await new Promise((resolve) => listener.close(resolve))
  }
}
