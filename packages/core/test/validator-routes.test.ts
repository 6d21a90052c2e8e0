import { createValidator, type RouteOptions } from '../src/index'
import { compileRoute } from '../src/route'
import { AUDIENCE, ISSUER, NOW, accessToken, signingKey, type SigningKey } from './helpers/tokens'

// The real compileRoute, counted: a route's options are checked and its pipeline built once per
// distinct route policy, never per call of authenticate(req, options) or verify(token, options).
jest.mock('../src/route', () => {
  const actual = jest.requireActual<typeof import('../src/route')>('../src/route')
  return { ...actual, compileRoute: jest.fn(actual.compileRoute) }
})
const compiled = compileRoute as jest.MockedFunction<typeof compileRoute>

let key: SigningKey
beforeAll(async () => {
  key = await signingKey('RS256')
})
beforeEach(() => compiled.mockClear())

function validator() {
  return createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => NOW * 1000,
    jwt: { algorithms: ['RS256'], jwks: { keys: [key.publicJwk] } },
  })
}

const request = (token: string) => ({ method: 'GET', headers: { authorization: `Bearer ${token}` } })

describe('routes compile once', () => {
  it('authenticate(req, options) compiles once per route policy, literal or shared object', async () => {
    const v = validator()
    const token = await accessToken(key)
    const before = compiled.mock.calls.length
    const shared: RouteOptions = { optional: true, name: 'GET /items' }
    for (let i = 0; i < 5; i++) {
      await v.authenticate(request(token), shared)
      await v.authenticate(request(token), { optional: true, name: 'GET /items' })
      await v.authenticate(request(token), { strategy: 'jwt' })
      await v.authenticate(request(token))
    }
    // `shared` and its literal twin are one policy; `{ strategy: 'jwt' }` and the default two more.
    expect(compiled.mock.calls.length - before).toBe(3)
    await v.close()
  })

  it('verify(token, options) compiles once per route policy', async () => {
    const v = validator()
    const token = await accessToken(key)
    const before = compiled.mock.calls.length
    for (let i = 0; i < 5; i++) {
      await v.verify(token)
      await v.verify(token, { name: 'verify' })
    }
    expect(compiled.mock.calls.length - before).toBe(2)
    await v.close()
  })

  it('a changed policy is compiled anew (and checked: a bad one is a TypeError each time)', async () => {
    const v = validator()
    const token = await accessToken(key)
    const options: RouteOptions = { sensitive: false }
    await v.authenticate(request(token), options)
    options.cacheMaxAge = -1
    expect(() => v.authenticate(request(token), options)).toThrow(TypeError)
    await expect(v.verify(token, options)).rejects.toThrow(/`cacheMaxAge`/)
    await v.close()
  })
})

describe('verify(token) answers as `Authorization: Bearer <token>` would', () => {
  const outcome = async (promise: Promise<unknown>) => {
    try {
      const auth = (await promise) as { subject?: string; token?: string }
      return { subject: auth.subject, token: auth.token }
    } catch (error) {
      const { status, reason } = error as { status: number; reason: string }
      return { status, reason }
    }
  }

  it.each<[string, (good: string) => unknown]>([
    ['a good token', (good) => good],
    ['the same token again (a cache hit)', (good) => good],
    ['an empty string', () => ''],
    ['a leading space', (good) => ` ${good}`],
    ['two leading spaces', (good) => `  ${good}`],
    ['a trailing space', (good) => `${good} `],
    ['a tab inside', (good) => good.replace('.', '\t.')],
    ['a token one character too long', () => 'a'.repeat(8193)],
    ['a token of exactly the longest length', () => 'a'.repeat(8192)],
    ['a number', () => 42],
    ['undefined', () => undefined],
    ['a made-up JWS', () => 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln'],
  ])('%s', async (_name, make) => {
    const v = validator()
    const good = await accessToken(key)
    await v.verify(good)
    const given = make(good)
    const viaHeader = await outcome(v.authenticate(request(String(given))))
    // Each on a fresh validator too, so neither side profits from the other's cache.
    const fresh = validator()
    expect(await outcome(fresh.verify(given as string))).toEqual(viaHeader)
    expect(await outcome(v.verify(given as string))).toEqual(viaHeader)
    // `Bearer 1*SP b64token`: spaces before the token are the separator, so those are accepted.
    if (typeof given === 'string' && given.trimStart() === good)
      expect(viaHeader).toEqual({ subject: 'alice', token: good })
    else expect(viaHeader).toHaveProperty('status')
    await Promise.all([v.close(), fresh.close()])
  })
})
