import { adaptGuards, checkGuard, checkErrorMode, prepareRoute, refusal } from '../src/adapter-kit'
import type { AuthHolder } from '../src/adapter-kit'
import type { RequestState } from '../src/adapter-kit-types'
import { MissingTokenError, TokenError } from '../src/errors'
import type { Guard } from '../src/guards'
import { createValidator } from '../src/validator'
import { accessToken, AUDIENCE, ISSUER, NOW, signingKey, type SigningKey } from './helpers/tokens'

let key: SigningKey
beforeAll(async () => {
  key = await signingKey('ES256')
})

const validator = () =>
  createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    realm: 'items',
    now: () => NOW * 1000,
    jwt: { algorithms: ['ES256'], jwks: { keys: [key.publicJwk] } },
  })
const bearer = (token: string) => ({
  method: 'GET',
  url: '/x',
  headers: { authorization: `Bearer ${token}` },
})
const ITEMS = { realm: 'items', scheme: 'Bearer', params: undefined }

describe('prepareRoute', () => {
  it('records the context and the state the guards after it read on the holder', async () => {
    const route = prepareRoute(validator(), { errors: 'next' })
    const holder: AuthHolder = {}
    expect(await route.run(bearer(await accessToken(key)), holder)).toEqual({ headers: undefined })
    expect(holder.auth?.subject).toBe('alice')
    expect(holder.tokenguard).toEqual({ errors: 'next', challenge: ITEMS })
  })

  it('settles a refusal as the response to send, or as the error to hand on with errors: next', async () => {
    const respond: AuthHolder = {}
    const { refusal: answered } = await prepareRoute(validator()).run({ method: 'GET', headers: {} }, respond)
    expect(answered?.error).toBeInstanceOf(MissingTokenError)
    expect(answered?.response).toEqual({
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer realm="items"' },
      body: { error: 'unauthorized', error_description: 'A bearer token is required' },
    })
    expect(respond).toEqual({ tokenguard: { errors: 'respond', challenge: ITEMS } })
    const handed = await prepareRoute(validator(), { errors: 'next' }).run({ method: 'GET', headers: {} }, {})
    expect(handed.refusal?.response).toBeUndefined()
    expect(handed.refusal?.error.status).toBe(401)
  })

  it("an optional route lets a request without a token through under the validator's challenge", async () => {
    const holder: AuthHolder = {}
    await prepareRoute(validator(), { optional: true }).run({ method: 'GET', headers: {} }, holder)
    expect(holder).toEqual({ auth: undefined, tokenguard: { errors: 'respond', challenge: ITEMS } })
  })

  it('checks its options where they enter, with a TypeError naming them', () => {
    expect(() => prepareRoute(validator(), { errors: 'throw' as never })).toThrow(
      /`errors` must be respond or next/,
    )
    expect(() => prepareRoute(validator(), null as never)).toThrow(/route options must be an object/)
    expect(() => prepareRoute(validator(), { strategy: 'opaque' })).toThrow(/`introspection`/)
    expect(() => prepareRoute({ issuer: ISSUER } as never)).toThrow(TypeError)
    expect(checkErrorMode(undefined)).toBe('respond')
  })

  it('builds one validator from inline options, when the route is declared', async () => {
    const route = prepareRoute({
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => NOW * 1000,
      jwt: { algorithms: ['ES256'], jwks: { keys: [key.publicJwk] } },
    })
    const holder: AuthHolder = {}
    await route.run(bearer(await accessToken(key)), holder)
    expect(holder.auth?.subject).toBe('alice')
    expect(route.validator.realm).toBe(holder.tokenguard?.challenge?.realm)
  })
})

describe('refusal', () => {
  it('turns a fault that is no TokenError into 503 internal_error, never a 500', () => {
    const { error, response } = refusal(new Error('boom'))
    expect(error).toBeInstanceOf(TokenError)
    expect(error.reason).toBe('internal_error')
    expect(response?.status).toBe(503)
  })
})

describe('checkGuard and adaptGuards', () => {
  const admin: Guard = (auth, challenge) => {
    if (auth === undefined)
      throw challenge ? new MissingTokenError().withChallenge(challenge) : new MissingTokenError()
  }
  const bound: RequestState = {
    errors: 'respond',
    challenge: { realm: 'bound', scheme: 'Bearer', params: undefined },
  }

  it("prefers the state requireToken left on the request to the guard's bound one", () => {
    const state: RequestState = { errors: 'next', challenge: ITEMS }
    const refused = checkGuard(admin, { tokenguard: state }, bound)
    expect(refused?.response).toBeUndefined()
    expect(refused?.error.headers['WWW-Authenticate']).toBe('Bearer realm="items"')
    expect(checkGuard(admin, {}, bound)?.response?.headers['WWW-Authenticate']).toBe('Bearer realm="bound"')
    expect(checkGuard(admin, {}, undefined)?.response?.status).toBe(401)
  })

  it('wraps every guard once; guardsFor binds the validator challenge and refuses anything else', () => {
    const made: Array<RequestState | undefined> = []
    const guards = adaptGuards((guard, state) => (made.push(state), guard))
    guards.requireScopes('a')
    guards.guardsFor(validator()).requireAnyScope('a')
    guards.guardsFor(validator()).requireStepUp({ maxAge: 1 })
    expect(made).toEqual([
      undefined,
      { errors: 'respond', challenge: ITEMS },
      { errors: 'respond', challenge: ITEMS },
    ])
    expect(Object.keys(guards).sort()).toEqual([
      'guardsFor',
      'requireAnyScope',
      'requireClaims',
      'requireRoles',
      'requireScopes',
      'requireStepUp',
    ])
    expect(() => guards.guardsFor({ issuer: ISSUER } as never)).toThrow(/guardsFor: pass a validator/)
  })
})
