import { createValidator, TokenError, type ValidatorOptions } from '../src/index'
import { createTestIssuer, type TestIssuer } from './helpers/issuer'
import { AUDIENCE, ISSUER, NOW, accessToken, signingKey, type SigningKey } from './helpers/tokens'

// One clock tolerance (top-level `clockTolerance`, or the deprecated `jwt.clockTolerance`) decides
// for JWTs and for introspection answers alike: a token 20 s past its `exp` passes only with ≥ 20.
let key: SigningKey
let issuer: TestIssuer
let endpoint = ''
let opaqueToken = ''
beforeAll(async () => {
  key = await signingKey('RS256')
  // The authorization server's clock is 30 s behind ours: it still vouches for a token that
  // expired 20 s ago by the resource server's clock.
  issuer = await createTestIssuer({
    audience: AUDIENCE,
    clients: [{ clientId: 'api', clientSecret: 'secret' }],
    now: () => (NOW - 30) * 1000,
  })
  opaqueToken = issuer.opaque({ claims: { iss: ISSUER, exp: NOW - 20 } })
  endpoint = issuer.introspectionEndpoint
})
afterAll(() => issuer.close())

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
    expect(await reason(extra, opaqueToken, 'opaque')).toBe(expected)
  })
})
