import { errors } from 'jose'
import { TokenError } from '../../src/errors'
import { resolveOptions } from '../../src/options'
import { createJwtStrategy } from '../../src/strategies/jwt'
import { AUDIENCE, ISSUER, NOW, accessToken, signingKey, type SigningKey } from '../helpers/tokens'

// A throw that is not a verdict on the token (a bug, an unexpected failure inside key selection) is
// ours: 503 `internal_error`, never `401 bad_signature` blamed on the token.
let key: SigningKey
beforeAll(async () => {
  key = await signingKey('RS256')
})

function strategy(getKey: () => Promise<never>) {
  const resolved = resolveOptions({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwt: { algorithms: ['RS256'], jwks: { keys: [key.publicJwk] } },
  })
  return createJwtStrategy({
    jwt: resolved.jwt!,
    issuers: resolved.issuers,
    audiences: resolved.audiences,
    scopeClaim: undefined,
    resolveIssuer: (issuer) =>
      issuer === ISSUER
        ? {
            profile: resolved.profiles.get(ISSUER)!,
            algorithms: resolved.jwt!.algorithms,
            keySet: { getKey, ready: async () => {}, onChange: () => {}, close: () => {} },
          }
        : undefined,
    now: () => NOW * 1000,
    emit: () => {},
  })
}

async function outcome(getKey: () => Promise<never>) {
  try {
    await strategy(getKey).verify(await accessToken(key))
    return { status: 200 }
  } catch (error) {
    if (!(error instanceof TokenError)) throw error
    return { status: error.status, code: error.code, reason: error.reason }
  }
}

describe('JWT strategy: faults are not verdicts', () => {
  it.each([
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'kty')")],
    ['a plain Error', new Error('boom')],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
    ['an object with a numeric code (DOMException style)', Object.assign(new Error('x'), { code: 9 })],
  ])('%s from key selection is 503 internal_error', async (_name, thrown) => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a non-Error rejection is a case under test
    expect(await outcome(() => Promise.reject(thrown as never))).toEqual({
      status: 503,
      code: 'temporarily_unavailable',
      reason: 'internal_error',
    })
  })

  it.each([
    ['no matching key', new errors.JWKSNoMatchingKey(), 'unknown_key'],
    ['a failed signature check', new errors.JWSSignatureVerificationFailed(), 'bad_signature'],
    ['an unsupported key', new errors.JOSENotSupported('x'), 'malformed_token'],
  ])("jose's verdict (%s) stays a 401", async (_name, thrown, reason) => {
    expect(await outcome(() => Promise.reject(thrown))).toEqual({
      status: 401,
      code: 'invalid_token',
      reason,
    })
  })
})
