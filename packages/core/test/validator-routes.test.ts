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
