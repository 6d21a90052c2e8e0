import { createServer } from 'node:http'
import Koa from 'koa'
import Router from '@koa/router'
import { bodyParser } from '@koa/bodyparser'
import request from 'supertest'
import { ADAPTER_AUDIENCE, ADAPTER_ISSUER, useAdapterKeys } from '@tokenguard/test-support'
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

/** supertest over a node:http server, as Koa apps are served. */
const http = (app: Koa) => request(createServer(app.callback()))

function app() {
  const validator = tokens()
  const koa = new Koa()
  const router = new Router()
  router.get('/items', requireToken(validator), requireScopes('items:read'), (ctx) => {
    ctx.body = { subject: ctx.state.auth?.subject, scopes: ctx.state.auth?.scopes }
  })
  router.get(
    '/admin',
    requireToken(validator),
    requireScopes('items:read', 'admin'),
    (ctx) => void (ctx.body = { ok: true }),
  )
  router.get(
    '/any',
    requireToken(validator),
    requireAnyScope('admin', 'items:read'),
    (ctx) => void (ctx.body = { ok: true }),
  )
  router.get(
    '/tenant',
    requireToken(validator),
    requireClaims((c) => c.tenant === 'acme'),
    (ctx) => void (ctx.body = { ok: 1 }),
  )
  router.get('/maybe', requireToken(validator, { optional: true }), (ctx) => {
    ctx.body = { subject: ctx.state.auth?.subject ?? null }
  })
  router.get('/unguarded', requireScopes('items:read'), (ctx) => void (ctx.body = { ok: true }))
  router.get('/boom', requireToken(validator), () => {
    throw new Error('handler bug')
  })
  koa.silent = true
  koa.use(router.routes())
  return koa
}

describe('Koa adapter', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)(
    'accepts a good %s token and sets ctx.state.auth',
    async (alg) => {
      const response = await http(app())
        .get('/items')
        .set('Authorization', `Bearer ${await token(alg)}`)
      expect(response.status).toBe(200)
      expect(response.body).toEqual({ subject: 'alice', scopes: ['items:read'] })
    },
  )

  it('answers a request without a token 401 with a bare challenge', async () => {
    const response = await http(app()).get('/items')
    expect(response.status).toBe(401)
    expect(response.headers['www-authenticate']).toBe('Bearer realm="items"')
    expect(response.body).toEqual({ error: 'unauthorized', error_description: 'A bearer token is required' })
  })

  it('answers a bad token 401 invalid_token with a generic description', async () => {
    const response = await http(app())
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

  it('answers two Authorization headers 400 invalid_request (read from ctx.req.rawHeaders)', async () => {
    const good = await token()
    const raw = await rawGet(app(), '/items', [
      ['Authorization', `Bearer ${good}`],
      ['Authorization', `Bearer ${good}`],
    ])
    expect(raw.status).toBe(400)
    expect(raw.headers['www-authenticate']).toMatch(/^Bearer realm="items", error="invalid_request"/)
  })

  it('answers a missing scope 403 naming the required scopes', async () => {
    const response = await http(app())
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
    expect((await http(app()).get('/any').set('Authorization', `Bearer ${good}`)).status).toBe(200)
    expect((await http(app()).get('/tenant').set('Authorization', `Bearer ${good}`)).status).toBe(401)
    const tenant = await token('RS256', { tenant: 'acme' })
    expect((await http(app()).get('/tenant').set('Authorization', `Bearer ${tenant}`)).status).toBe(200)
  })

  it('optional mode: passes without a token, rejects a bad one, accepts a good one', async () => {
    expect((await http(app()).get('/maybe')).body).toEqual({ subject: null })
    expect((await http(app()).get('/maybe').set('Authorization', 'Basic dTpw')).body).toEqual({
      subject: null,
    })
    expect((await http(app()).get('/maybe').set('Authorization', 'Bearer not.a.jwt')).status).toBe(401)
    const good = await token()
    expect((await http(app()).get('/maybe').set('Authorization', `Bearer ${good}`)).body).toEqual({
      subject: 'alice',
    })
  })

  it('a guard without requireToken before it answers 401', async () => {
    expect((await http(app()).get('/unguarded')).status).toBe(401)
  })

  it('leaves errors thrown after it to the app: a handler bug is a 500, not a token error', async () => {
    const response = await http(app())
      .get('/boom')
      .set('Authorization', `Bearer ${await token()}`)
    expect(response.status).toBe(500)
    expect(response.headers['www-authenticate']).toBeUndefined()
  })

  it('works as app-level middleware too', async () => {
    const koa = new Koa()
    koa.use(requireToken(tokens()))
    koa.use((ctx) => void (ctx.body = { sub: ctx.state.auth?.subject }))
    expect((await http(koa).get('/')).status).toBe(401)
    expect(
      (
        await http(koa)
          .get('/')
          .set('Authorization', `Bearer ${await token()}`)
      ).body,
    ).toEqual({ sub: 'alice' })
  })

  it('errors: "next" throws TokenErrors to the app error middleware', async () => {
    const koa = new Koa()
    const router = new Router()
    const seen: unknown[] = []
    koa.use(async (ctx, next) => {
      try {
        await next()
      } catch (error) {
        seen.push(error)
        ctx.status = 418
        ctx.body = { mine: (error as TokenError).reason }
      }
    })
    router.get(
      '/x',
      requireToken(tokens(), { errors: 'next' }),
      requireScopes('admin'),
      (ctx) => void (ctx.body = {}),
    )
    koa.use(router.routes())
    expect((await http(koa).get('/x')).body).toEqual({ mine: 'missing_token' })
    expect(
      (
        await http(koa)
          .get('/x')
          .set('Authorization', `Bearer ${await token()}`)
      ).body,
    ).toEqual({
      mine: 'insufficient_scope',
    })
    expect(seen.every((error) => error instanceof TokenError)).toBe(true)
  })

  it('errors: "next" without a handler: Koa onerror applies status and headers and logs nothing', async () => {
    const koa = new Koa()
    const logged = jest.spyOn(console, 'error').mockImplementation(() => {})
    koa.use(requireToken(tokens(), { errors: 'next' }))
    try {
      const response = await http(koa).get('/')
      expect(response.status).toBe(401)
      expect(response.headers['www-authenticate']).toBe('Bearer realm="items"')
      expect(response.text).toBe('A bearer token is required')
      expect(logged).not.toHaveBeenCalled()
    } finally {
      logged.mockRestore()
    }
  })

  it('builds a validator from inline options once, at declaration', async () => {
    const koa = new Koa()
    koa.use(
      requireToken({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwt: { algorithms: ['ES256'], jwks: { keys: [keys.ES256!.jwk] } },
      }),
    )
    koa.use((ctx) => void (ctx.body = { sub: ctx.state.auth?.subject }))
    expect(
      (
        await http(koa)
          .get('/')
          .set('Authorization', `Bearer ${await token('ES256')}`)
      ).body,
    ).toEqual({ sub: 'alice' })
    expect(() => requireToken({ issuer: ISSUER, audience: AUDIENCE } as never)).toThrow(TypeError)
    expect(() => requireToken(tokens(), { errors: 'throw' as never })).toThrow(TypeError)
    expect(() => requireToken(tokens(), { strategy: 'opaque' })).toThrow(TypeError)
  })

  it('reads a form-body token (parsed by @koa/bodyparser) only when enabled', async () => {
    const koa = new Koa()
    const router = new Router()
    koa.use(bodyParser())
    const bodyTokens = createValidator({
      issuer: ISSUER,
      audience: AUDIENCE,
      allowBodyToken: true,
      jwt: { algorithms: ['RS256'], jwks: { keys: [keys.RS256!.jwk] } },
    })
    router.post('/on', requireToken(bodyTokens), (ctx) => void (ctx.body = { sub: ctx.state.auth?.subject }))
    router.post('/off', requireToken(tokens()), (ctx) => void (ctx.body = { sub: ctx.state.auth?.subject }))
    koa.use(router.routes())
    const form = `access_token=${await token()}`
    expect((await http(koa).post('/on').type('form').send(form)).body).toEqual({ sub: 'alice' })
    expect((await http(koa).post('/off').type('form').send(form)).status).toBe(401)
  })
})

/** A GET with exactly these raw headers (supertest would merge repeated ones). */
async function rawGet(koa: Koa, path: string, headers: Array<[string, string]>) {
  const { request: send } = await import('node:http')
  const listener = createServer(koa.callback()).listen(0, '127.0.0.1')
  await new Promise((resolve) => listener.once('listening', resolve))
  const port = (listener.address() as { port: number }).port
  try {
    return await new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>(
      (resolve, reject) => {
        const req = send({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
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
