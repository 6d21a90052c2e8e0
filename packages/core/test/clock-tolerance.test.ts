import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createValidator, TokenError, type ValidatorOptions } from '../src/index'
import { AUDIENCE, ISSUER, NOW, accessToken, signingKey, type SigningKey } from './helpers/tokens'

// One clock tolerance (top-level `clockTolerance`, or the deprecated `jwt.clockTolerance`) decides
// for JWTs and for introspection answers alike: a token 20 s past its `exp` passes only with ≥ 20.
let key: SigningKey
let server: Server
let endpoint = ''
beforeAll(async () => {
  key = await signingKey('RS256')
  // A loopback introspection endpoint that vouches for any token, expired 20 s ago.
  server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ active: true, iss: ISSUER, aud: AUDIENCE, exp: NOW - 20 }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`
})
afterAll(() => new Promise((resolve) => server.close(resolve)))

async function reason(extra: Partial<ValidatorOptions>, token: string, strategy: 'jwt' | 'opaque') {
  const validator = createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => NOW * 1000,
    jwt: { algorithms: ['RS256'], jwks: { keys: [key.publicJwk] }, ...extra.jwt },
    introspection: { endpoint, clientId: 'api', clientSecret: 'secret' },
    ...(extra.clockTolerance === undefined ? {} : { clockTolerance: extra.clockTolerance }),
  })
  try {
    await validator.verify(token, { strategy })
    return 'accepted'
  } catch (error) {
    if (error instanceof TokenError) return error.reason
    throw error
  } finally {
    await validator.close()
  }
}

describe('clockTolerance is shared by the JWT and introspection strategies', () => {
  it.each<[string, Partial<ValidatorOptions>, string]>([
    ['the default (5 s)', {}, 'expired'],
    ['top-level clockTolerance 30', { clockTolerance: 30 }, 'accepted'],
    [
      'the deprecated jwt.clockTolerance 30',
      { jwt: { algorithms: ['RS256'], clockTolerance: 30 } },
      'accepted',
    ],
    ['top-level clockTolerance 10', { clockTolerance: 10 }, 'expired'],
  ])('%s', async (_name, extra, expected) => {
    const jwt = await accessToken(key, { exp: NOW - 20 })
    expect(await reason(extra, jwt, 'jwt')).toBe(expected)
    expect(await reason(extra, 'opaque-token', 'opaque')).toBe(expected)
  })
})
