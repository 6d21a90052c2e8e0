import { fromFetchRequest } from '../src/fetch-request'
import { createValidator } from '../src/validator'
import type { TokenError } from '../src/errors'
import { accessToken, AUDIENCE, ISSUER, NOW, signingKey, type SigningKey } from './helpers/tokens'

// The WHATWG Request of Node's own fetch implementation, as Hono, Bun and Deno hand it over.
let key: SigningKey
beforeAll(async () => {
  key = await signingKey('ES256')
})
const tokens = () =>
  createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    allowQueryToken: true,
    now: () => NOW * 1000,
    jwt: { algorithms: ['ES256'], jwks: { keys: [key.publicJwk] } },
  })
const status = (promise: Promise<unknown>) =>
  promise.then(
    () => 200,
    (error: TokenError) => `${error.status} ${error.code}`,
  )

describe('fromFetchRequest', () => {
  it('maps method, target, lower-cased headers and the scheme', () => {
    const request = new Request('https://api.test/items?x=1', { method: 'POST', headers: { 'X-Thing': 'a' } })
    expect(fromFetchRequest(request, { body: { a: 1 } })).toEqual({
      method: 'POST',
      url: 'https://api.test/items?x=1',
      headers: { 'x-thing': 'a' },
      body: { a: 1 },
      protocol: 'https',
    })
  })

  it('is validated like a Node request: header token, query token, no token', async () => {
    const token = await accessToken(key)
    const header = new Request('http://api.test/items', { headers: { Authorization: `Bearer ${token}` } })
    expect((await tokens().authenticate(fromFetchRequest(header)))?.subject).toBe('alice')
    const query = new Request(`http://api.test/items?access_token=${token}`)
    expect((await tokens().authenticate(fromFetchRequest(query)))?.subject).toBe('alice')
    expect(await status(tokens().authenticate(fromFetchRequest(new Request('http://api.test/'))))).toBe(
      '401 undefined',
    )
  })

  it('refuses two Authorization headers, which the Fetch API joins into one value', async () => {
    const token = await accessToken(key)
    const headers = new Headers()
    headers.append('Authorization', `Bearer ${token}`)
    headers.append('Authorization', `Bearer ${token}`)
    const request = new Request('http://api.test/items', { headers })
    expect(await status(tokens().authenticate(fromFetchRequest(request)))).toBe('400 invalid_request')
  })
})
