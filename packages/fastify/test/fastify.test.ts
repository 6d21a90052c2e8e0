import Fastify, { type FastifyInstance } from 'fastify'
import formbody from '@fastify/formbody'
import { ADAPTER_AUDIENCE, ADAPTER_ISSUER, useAdapterKeys } from '@tokenguard/test-support'
import tokenguard, {
  createValidator,
  requireScopes,
  requireToken,
  tokenguard as named,
  TokenError,
  type ValidatorOptions,
} from '../src/index'

// What only Fastify does: the conformance suite (test/conformance) holds the behaviour every adapter shares.
const ISSUER = ADAPTER_ISSUER
const AUDIENCE = ADAPTER_AUDIENCE
const { keys, token } = useAdapterKeys()

function options(extra: Partial<ValidatorOptions> = {}): ValidatorOptions {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    realm: 'items',
    jwt: { algorithms: ['RS256', 'ES256', 'EdDSA'], jwks: { keys: Object.values(keys).map((k) => k.jwk) } },
    ...extra,
  }
}

const apps: FastifyInstance[] = []
afterAll(() => Promise.all(apps.map((app) => app.close())))

async function app(): Promise<FastifyInstance> {
  const server = Fastify()
  apps.push(server)
  await server.register(tokenguard, { validator: createValidator(options()) })
  server.get('/maybe', { onRequest: server.requireToken({ optional: true }) }, async (request) => ({
    subject: request.auth?.subject ?? null,
    // The "no auth" value, as on Express and Koa: undefined, never null.
    none: request.auth === undefined,
  }))
  server.get('/boom', { onRequest: server.requireToken() }, async () => {
    throw new Error('handler bug')
  })
  return server
}

const auth = (value: string) => ({ authorization: `Bearer ${value}` })

describe('Fastify adapter', () => {
  it('request.auth is decorated undefined and stays undefined on an optional route without a token', async () => {
    const server = await app()
    expect((await server.inject({ url: '/maybe' })).json()).toEqual({ subject: null, none: true })
    expect((await server.inject({ url: '/maybe', headers: auth(await token()) })).json()).toEqual({
      subject: 'alice',
      none: false,
    })
  })

  it('gives every request its own auth (never a shared reference)', async () => {
    const server = await app()
    const [a, b, none] = await Promise.all([
      server.inject({ url: '/maybe', headers: auth(await token('RS256', { sub: 'a' })) }),
      server.inject({ url: '/maybe', headers: auth(await token('ES256', { sub: 'b' })) }),
      server.inject({ url: '/maybe' }),
    ])
    expect([a.json(), b.json(), none.json()]).toEqual([
      { subject: 'a', none: false },
      { subject: 'b', none: false },
      { subject: null, none: true },
    ])
  })

  it('leaves errors thrown by the handler to Fastify: a bug is a 500, not a token error', async () => {
    const response = await (await app()).inject({ url: '/boom', headers: auth(await token()) })
    expect(response.statusCode).toBe(500)
    expect(response.headers['www-authenticate']).toBeUndefined()
  })

  it('errors: "next" throws TokenErrors to the error handler', async () => {
    const server = Fastify()
    apps.push(server)
    await server.register(named, options())
    const seen: unknown[] = []
    server.setErrorHandler((error, _request, reply) => {
      seen.push(error)
      return reply.code(418).send({ mine: (error as TokenError).reason })
    })
    server.get(
      '/x',
      { onRequest: server.requireToken({ errors: 'next' }), preHandler: server.requireScopes('admin') },
      async () => ({}),
    )
    expect((await server.inject({ url: '/x' })).json()).toEqual({ mine: 'missing_token' })
    expect((await server.inject({ url: '/x', headers: auth(await token()) })).json()).toEqual({
      mine: 'insufficient_scope',
    })
    expect(seen).toHaveLength(2)
    expect(seen.every((error) => error instanceof TokenError)).toBe(true)
  })

  it('errors: "next" without a handler: Fastify applies status and headers', async () => {
    const server = Fastify()
    apps.push(server)
    await server.register(tokenguard, options())
    server.get('/x', { onRequest: server.requireToken({ errors: 'next' }) }, async () => ({}))
    const response = await server.inject({ url: '/x' })
    expect(response.statusCode).toBe(401)
    expect(response.headers['www-authenticate']).toBe('Bearer realm="items"')
    expect(response.body).not.toMatch(/stack|at /)
  })

  it('standalone requireToken and guards are hooks too, no plugin needed', async () => {
    const server = Fastify()
    apps.push(server)
    const tokens = createValidator(options())
    server.get(
      '/x',
      { onRequest: requireToken(tokens), preHandler: requireScopes('items:read') },
      async (request) => ({
        sub: request.auth?.subject,
      }),
    )
    expect((await server.inject({ url: '/x' })).statusCode).toBe(401)
    expect((await server.inject({ url: '/x', headers: auth(await token()) })).json()).toEqual({
      sub: 'alice',
    })
  })

  it('a plugin registered at the root serves routes in child contexts', async () => {
    const server = Fastify()
    apps.push(server)
    await server.register(tokenguard, { validator: options() })
    await server.register(
      async (child) => {
        child.get('/x', { onRequest: child.requireToken() }, async (request) => ({
          sub: request.auth?.subject,
        }))
      },
      { prefix: '/child' },
    )
    expect((await server.inject({ url: '/child/x', headers: auth(await token()) })).json()).toEqual({
      sub: 'alice',
    })
  })

  it('a plugin registered in a child context decorates that context only, not siblings or the root', async () => {
    const server = Fastify()
    apps.push(server)
    const seen: Record<string, boolean> = {}
    await server.register(async (child) => {
      await child.register(tokenguard, options())
      seen.child = child.hasDecorator('requireToken')
    })
    await server.register(async (sibling) => {
      seen.sibling = sibling.hasDecorator('requireToken')
    })
    await server.ready()
    expect({ ...seen, root: server.hasDecorator('requireToken') }).toEqual({
      child: true,
      sibling: false,
      root: false,
    })
  })

  it('reads a form-body token from preValidation (parsed by then), never from onRequest', async () => {
    const server = Fastify()
    apps.push(server)
    await server.register(formbody)
    await server.register(tokenguard, options({ allowBodyToken: true }))
    server.post('/late', { preValidation: server.requireToken() }, async (request) => ({
      sub: request.auth?.subject,
    }))
    server.post('/early', { onRequest: server.requireToken() }, async (request) => ({
      sub: request.auth?.subject,
    }))
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const payload = `access_token=${await token()}`
    expect((await server.inject({ method: 'POST', url: '/late', headers: form, payload })).json()).toEqual({
      sub: 'alice',
    })
    expect((await server.inject({ method: 'POST', url: '/early', headers: form, payload })).statusCode).toBe(
      401,
    )
  })

  it('closes a validator it built from inline options, never one it was given', async () => {
    const inline = Fastify()
    await inline.register(tokenguard, options())
    await inline.ready()
    await expect(inline.close()).resolves.toBeUndefined()
    const given = createValidator(options())
    const close = jest.spyOn(given, 'close')
    const server = Fastify()
    await server.register(tokenguard, { validator: given })
    await server.close()
    expect(close).not.toHaveBeenCalled()
  })
})
