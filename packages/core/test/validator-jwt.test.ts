import { SignJWT } from 'jose'
import { createValidator, type TokenEvent, type ValidatorOptions } from '../src/index'
import { TokenError } from '../src/errors'
import {
  AUDIENCE,
  ISSUER,
  NOW,
  accessToken,
  signRaw,
  signingKey,
  withSegment,
  type SigningKey,
} from './helpers/tokens'

let rsa: SigningKey
let ec: SigningKey
let ed: SigningKey
let ps: SigningKey
let stranger: SigningKey
let clock = NOW * 1000
let events: TokenEvent[] = []

beforeAll(async () => {
  ;[rsa, ec, ed, ps, stranger] = await Promise.all([
    signingKey('RS256'),
    signingKey('ES256'),
    signingKey('EdDSA'),
    signingKey('PS256'),
    signingKey('RS256', 'RS256-key'), // same kid as `rsa`, different key
  ])
})

beforeEach(() => {
  clock = NOW * 1000
  events = []
})

function validator(
  overrides: Partial<ValidatorOptions> = {},
  jwt: Partial<NonNullable<ValidatorOptions['jwt']>> = {},
) {
  return createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => clock,
    onEvent: (event) => events.push(event),
    ...overrides,
    jwt: {
      algorithms: ['RS256', 'ES256', 'EdDSA', 'PS256'],
      jwks: { keys: [rsa.publicJwk, ec.publicJwk, ed.publicJwk, ps.publicJwk] },
      ...jwt,
    },
  })
}

const raw = (header: Record<string, unknown>) =>
  signRaw(
    rsa,
    { alg: 'RS256', kid: rsa.kid, typ: 'at+jwt', ...header },
    { iss: ISSUER, aud: AUDIENCE, exp: NOW + 60, sub: 'alice' },
  )

async function reason(promise: Promise<unknown>): Promise<{ status: number; code?: string; reason: string }> {
  try {
    await promise
  } catch (error) {
    if (!(error instanceof TokenError)) throw error
    return { status: error.status, code: error.code, reason: error.reason }
  }
  throw new Error('expected a rejection')
}

describe('JWT strategy', () => {
  it.each(['rsa', 'ec', 'ed', 'ps'])('accepts a good %s token and builds the context', async (which) => {
    const key = { rsa, ec, ed, ps }[which as 'rsa']
    const token = await accessToken(key, { scope: 'items:read items:write' })
    const auth = await validator().verify(token)
    expect(auth.token).toBe(token)
    expect(auth).toEqual({
      strategy: 'jwt',
      claims: expect.objectContaining({ sub: 'alice', iss: ISSUER }),
      scopes: ['items:read', 'items:write'],
      roles: [],
      subject: 'alice',
      clientId: 'app',
      issuer: ISSUER,
      expiresAt: NOW + 300,
      jti: 'jti-1',
      binding: undefined,
    })
  })

  it('answers a repeated token from the cache with the token presented, never enumerable', async () => {
    const token = await accessToken(rsa, { scope: 'items:read' })
    const tokens = validator()
    const first = await tokens.verify(token)
    // A fresh copy of the same string, as the next request's header would be.
    const again = Buffer.from(token, 'latin1').toString('latin1')
    const hit = await tokens.verify(again)
    expect(events.filter((e) => e.type === 'accepted').map((e) => (e as { cached: boolean }).cached)).toEqual(
      [false, true],
    )
    expect(hit.token).toBe(token)
    expect(hit.claims).toBe(first.claims)
    expect(hit).toEqual(first)
    for (const auth of [first, hit]) {
      expect(Object.keys(auth)).not.toContain('token')
      expect(JSON.stringify(auth)).not.toContain(token)
      expect({ ...auth }).not.toHaveProperty('token')
      expect(Object.isFrozen(auth)).toBe(true)
      expect(() => {
        ;(auth as { token: string }).token = 'other'
      }).toThrow(TypeError)
    }
  })

  it.each<[string, () => Promise<string>, string]>([
    ['an unknown kid', async () => accessToken(rsa, {}, { kid: 'nope' }), 'unknown_key'],
    ['a key that is not in the set (same kid)', async () => accessToken(stranger), 'bad_signature'],
    [
      'a tampered payload',
      async () =>
        withSegment(await accessToken(rsa), 1, { iss: ISSUER, aud: AUDIENCE, exp: NOW + 60, sub: 'mallory' }),
      'bad_signature',
    ],
    ['an unlisted issuer', async () => accessToken(rsa, { iss: 'https://evil.test/' }), 'unknown_issuer'],
    ['no issuer', async () => accessToken(rsa, { iss: undefined }), 'unknown_issuer'],
    ['another audience', async () => accessToken(rsa, { aud: 'https://other.test' }), 'wrong_audience'],
    ['no audience', async () => accessToken(rsa, { aud: undefined }), 'missing_claim'],
    ['typ JWT (an ID token)', async () => accessToken(rsa, {}, { typ: 'JWT' }), 'wrong_type'],
    ['no typ', async () => accessToken(rsa, {}, { typ: undefined }), 'wrong_type'],
    ['no exp', async () => accessToken(rsa, { exp: undefined }), 'missing_claim'],
    ['an expired token', async () => accessToken(rsa, { exp: NOW - 60 }), 'expired'],
    ['nbf in the future', async () => accessToken(rsa, { nbf: NOW + 60 }), 'not_yet_valid'],
    ['iat in the future', async () => accessToken(rsa, { iat: NOW + 60 }), 'issued_in_future'],
    ['exp as a string', async () => accessToken(rsa, { exp: String(NOW + 60) }), 'invalid_claim'],
    ['an absurd exp', async () => accessToken(rsa, { exp: 1e300 }), 'invalid_claim'],
    ['sub as a number', async () => accessToken(rsa, { sub: 42 }), 'invalid_claim'],
    ['scope as an object', async () => accessToken(rsa, { scope: { a: 1 } }), 'invalid_claim'],
    ['aud as a number', async () => accessToken(rsa, { aud: 1 }), 'wrong_audience'],
    ['a JWE', async () => 'a.b.c.d.e', 'encrypted_token'],
    ['an opaque token on a jwt route', async () => 'opaque-token', 'wrong_strategy'],
    ['a non-canonical signature', async () => `${(await accessToken(rsa)).slice(0, -1)}_`, 'malformed_token'],
    [
      'crit with an unknown extension',
      async () => raw({ crit: ['x-custom'], 'x-custom': 1 }),
      'malformed_token',
    ],
    ['b64 false', async () => raw({ b64: false, crit: ['b64'] }), 'malformed_token'],
    [
      'a jku header (never followed)',
      async () => raw({ kid: 'nope', jku: 'http://127.0.0.1:1/jwks' }),
      'unknown_key',
    ],
  ])('rejects %s with 401 invalid_token', async (_, makeToken, expected) => {
    const token = await makeToken()
    expect(await reason(validator().verify(token))).toEqual({
      status: 401,
      code: 'invalid_token',
      reason: expected,
    })
    expect(events.at(-1)).toMatchObject({ type: 'rejected', reason: expected, status: 401 })
  })

  it('rejects an algorithm that is genuine but not pinned', async () => {
    const v = validator({}, { algorithms: ['RS256'], jwks: { keys: [rsa.publicJwk, ec.publicJwk] } })
    expect(await reason(v.verify(await accessToken(ec)))).toEqual({
      status: 401,
      code: 'invalid_token',
      reason: 'algorithm_not_allowed',
    })
  })

  it('rejects alg none in every spelling', async () => {
    const body = Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, exp: NOW + 60 })).toString(
      'base64url',
    )
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const header = Buffer.from(JSON.stringify({ alg, typ: 'at+jwt' })).toString('base64url')
      for (const token of [`${header}.${body}.`, `${header}.${body}.AQ`]) {
        expect(await reason(validator().verify(token))).toMatchObject({ status: 401, code: 'invalid_token' })
      }
    }
  })

  it('accepts application/at+jwt and, with typ false, any typ', async () => {
    await expect(
      validator().verify(await accessToken(rsa, {}, { typ: 'application/at+jwt' })),
    ).resolves.toBeDefined()
    await expect(
      validator({}, { typ: false }).verify(await accessToken(rsa, {}, { typ: 'JWT' })),
    ).resolves.toBeDefined()
  })

  it('accepts one of several audiences, and a token listing several', async () => {
    const v = validator({ audience: ['https://other.test', AUDIENCE] })
    await expect(v.verify(await accessToken(rsa))).resolves.toBeDefined()
    await expect(validator().verify(await accessToken(rsa, { aud: ['x', AUDIENCE] }))).resolves.toBeDefined()
  })

  it('allows the clock tolerance around exp, nbf and iat', async () => {
    const v = validator({}, { clockTolerance: 30 })
    await expect(
      v.verify(await accessToken(rsa, { exp: NOW - 20, nbf: NOW + 20, iat: NOW + 20 })),
    ).resolves.toBeDefined()
  })

  it('enforces requiredClaims and maxTokenAge', async () => {
    const v = validator({}, { requiredClaims: ['tenant'], maxTokenAge: 60 })
    expect((await reason(v.verify(await accessToken(rsa)))).reason).toBe('missing_claim')
    expect((await reason(v.verify(await accessToken(rsa, { tenant: 't', iat: NOW - 120 })))).reason).toBe(
      'too_old',
    )
    await expect(v.verify(await accessToken(rsa, { tenant: 't', iat: NOW - 30 }))).resolves.toBeDefined()
  })

  it('reads scopes from a configured claim', async () => {
    const auth = await validator({ scopeClaim: 'permissions' }).verify(
      await accessToken(rsa, { permissions: ['read:items'], scope: 'ignored' }),
    )
    expect(auth.scopes).toEqual(['read:items'])
  })

  it('verifies HS256 only with its secret', async () => {
    const secret = 'a-shared-secret-of-at-least-32-bytes!'
    const rfc9068 = { sub: 'alice', client_id: 'app', iat: NOW, jti: 'hs-1' }
    const token = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, exp: NOW + 60, ...rfc9068 })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(new TextEncoder().encode(secret))
    const hs = createValidator({
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => clock,
      jwt: { algorithms: ['HS256'], secret },
    })
    await expect(hs.verify(token)).resolves.toMatchObject({ issuer: ISSUER })
    // The asymmetric validator never treats anything as a secret.
    expect((await reason(validator().verify(token))).reason).toBe('algorithm_not_allowed')
  })

  describe('verified-token cache', () => {
    it('skips the signature on a repeat and still checks time claims on every hit', async () => {
      const v = validator()
      const token = await accessToken(rsa, { exp: NOW + 60 })
      await v.verify(token)
      await v.verify(token)
      expect(events.filter((e) => e.type === 'cache_hit')).toHaveLength(1)
      expect(
        events.filter((e) => e.type === 'accepted').map((e) => (e as { cached: boolean }).cached),
      ).toEqual([false, true])
      clock += 120_000
      expect((await reason(v.verify(token))).reason).toBe('expired')
    })

    it('never serves an entry beyond exp, even inside the tolerance', async () => {
      const v = validator({}, { clockTolerance: 0 })
      const token = await accessToken(rsa, { exp: NOW + 10 })
      await v.verify(token)
      clock += 10_000
      expect((await reason(v.verify(token))).reason).toBe('expired')
    })

    it('hands every request one deeply frozen context: none can change it for the next', async () => {
      const v = validator()
      const token = await accessToken(rsa, { realm_access: { roles: ['user'] } })
      const first = await v.verify(token)
      expect(() => (first.scopes as string[]).push('admin')).toThrow(TypeError)
      const roles = (first.claims.realm_access as { roles: string[] }).roles
      expect(() => roles.push('admin')).toThrow(TypeError)
      const second = await v.verify(token)
      expect(second.scopes).toEqual(['items:read'])
      expect(second.claims.realm_access).toEqual({ roles: ['user'] })
    })

    it('can be turned off', async () => {
      const v = validator({}, { cache: false })
      const token = await accessToken(rsa)
      await v.verify(token)
      await v.verify(token)
      expect(events.filter((e) => e.type === 'cache_hit')).toHaveLength(0)
      // Every request still reports its miss, and each one is verified afresh.
      expect(events.filter((e) => e.type === 'cache_miss')).toHaveLength(2)
      expect(
        events.filter((e) => e.type === 'accepted').map((e) => (e as { cached: boolean }).cached),
      ).toEqual([false, false])
      clock += 400_000
      expect((await reason(v.verify(token))).reason).toBe('expired')
    })
  })

  it('never puts the token into an event', async () => {
    const token = await accessToken(rsa)
    await validator().verify(token)
    await reason(validator().verify(await accessToken(rsa, { exp: NOW - 100 })))
    expect(JSON.stringify(events)).not.toContain(token.split('.')[2])
    expect(JSON.stringify(events)).not.toContain('alice')
  })

  it('survives a throwing event listener', async () => {
    const v = validator({
      onEvent: () => {
        throw new Error('metrics bug')
      },
    })
    await expect(v.verify(await accessToken(rsa))).resolves.toBeDefined()
  })
})
