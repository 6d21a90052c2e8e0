import { createServer } from 'node:http'
import Koa from 'koa'
import Router from '@koa/router'
import request from 'supertest'
import { ADAPTER_AUDIENCE, ADAPTER_ISSUER, useAdapterKeys } from '@tokenguard/test-support'
import { createValidator, requireScopes, requireToken, TokenError } from '../src/index'

// What only Koa does: the conformance suite (test/conformance) holds the behaviour every adapter shares.
const { jwks, token } = useAdapterKeys()
const tokens = () =>
  createValidator({
    issuer: ADAPTER_ISSUER,
    audience: ADAPTER_AUDIENCE,
    realm: 'items',
    jwt: { algorithms: ['RS256'], jwks: { keys: jwks() } },
  })

/** supertest over a node:http server, as Koa apps are served (Koa answers its own errors). */
const http = (app: Koa) => {
  const handle = app.callback()
  return request(createServer((req, res) => void handle(req, res)))
}

describe('Koa adapter', () => {
  it('leaves errors thrown after it to the app: a handler bug is a 500, not a token error', async () => {
    const koa = new Koa()
    koa.silent = true
    koa.use(requireToken(tokens())).use(() => {
      throw new Error('handler bug')
    })
    const response = await http(koa)
      .get('/')
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

  it('errors: "next" throws TokenErrors to the app error middleware, from requireToken and from guards', async () => {
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
    ).toEqual({ mine: 'insufficient_scope' })
    expect(seen).toHaveLength(2)
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
})
