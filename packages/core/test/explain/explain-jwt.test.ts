import { createValidator, type TokenEvent, type ValidatorOptions } from '../../src/index'
import { TokenError } from '../../src/errors'
import { AUDIENCE, ISSUER, NOW, accessToken, signRaw, signingKey, type SigningKey } from '../helpers/tokens'

let rsa: SigningKey
let stranger: SigningKey
let events: TokenEvent[] = []
let clock = NOW * 1000

beforeAll(async () => {
  ;[rsa, stranger] = await Promise.all([signingKey('RS256'), signingKey('RS256', 'RS256-key')])
})
beforeEach(() => {
  events = []
  clock = NOW * 1000
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
    jwt: { algorithms: ['RS256'], jwks: { keys: [rsa.publicJwk] }, ...jwt },
  })
}

/** The reason the validator itself gives: explain must agree with it. */
async function refusal(tokens: ReturnType<typeof validator>, token: string, sensitive = false) {
  return tokens.verify(token, { sensitive }).then(
    () => undefined,
    (error: unknown) => (error instanceof TokenError ? error.reason : String(error)),
  )
}

type Case = [
  name: string,
  token: () => Promise<string> | string,
  check: string,
  reason: string,
  fix: RegExp,
  options?: [Partial<ValidatorOptions>?, Partial<NonNullable<ValidatorOptions['jwt']>>?],
]

const CASES: Case[] = [
  ['an expired token', () => accessToken(rsa, { exp: NOW - 60 }), 'exp', 'expired', /clockTolerance/],
  ['a token not yet valid', () => accessToken(rsa, { nbf: NOW + 600 }), 'nbf', 'not_yet_valid', /clock/],
  [
    'a token issued in the future',
    () => accessToken(rsa, { iat: NOW + 600 }),
    'iat',
    'issued_in_future',
    /clockTolerance/,
  ],
  [
    'a token older than maxTokenAge',
    () => accessToken(rsa, { iat: NOW - 4000 }),
    'iat',
    'too_old',
    /jwt\.maxTokenAge/,
    [{}, { maxTokenAge: 3600 }],
  ],
  [
    'typ JWT under rfc9068',
    () => accessToken(rsa, {}, { typ: 'JWT' }),
    'typ',
    'wrong_type',
    /the token's typ is JWT; this validator expects at\+jwt: set the issuer's profile to 'auth0'.* or set jwt\.typ/,
  ],
  [
    'an issuer not trusted',
    () => accessToken(rsa, { iss: 'https://evil.test/' }),
    'issuer',
    'unknown_issuer',
    /add "https:\/\/evil\.test\/" to the issuer option/,
  ],
  [
    'an issuer without its trailing slash',
    () => accessToken(rsa, { iss: ISSUER.slice(0, -1) }),
    'issuer',
    'unknown_issuer',
    /compared exactly.*"https:\/\/issuer\.test"/,
  ],
  [
    'another audience',
    () => accessToken(rsa, { aud: 'https://other.test' }),
    'aud',
    'wrong_audience',
    /set audience/,
  ],
  [
    'no audience (Cognito shape)',
    () => accessToken(rsa, { aud: undefined, token_use: 'access' }),
    'aud',
    'missing_claim',
    /profile to 'cognito'/,
  ],
  [
    'a missing required claim',
    () => accessToken(rsa, { jti: undefined }),
    'required_claims',
    'missing_claim',
    /require jti.*profiles not requiring them: .*auth0/,
  ],
  ['no exp', () => accessToken(rsa, { exp: undefined }), 'required_claims', 'missing_claim', /exp/],
  [
    'a claim of the wrong type',
    () => accessToken(rsa, { sub: 42 }),
    'claim_types',
    'invalid_claim',
    /registered types/,
  ],
  [
    'alg not allowed',
    () => accessToken(rsa),
    'alg',
    'algorithm_not_allowed',
    /add "RS256" to jwt\.algorithms/,
    [{}, { algorithms: ['ES256'], jwks: undefined, jwksUri: undefined, secret: undefined }],
  ],
  [
    'alg none',
    () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.c2lnbmF0dXJl`,
    'alg',
    'algorithm_not_allowed',
    /never accepted/,
  ],
  ['an unknown kid', () => accessToken(rsa, {}, { kid: 'other' }), 'kid', 'unknown_key', /does not publish/],
  ['a forged signature', () => accessToken(stranger), 'signature', 'bad_signature', /altered/],
  [
    'a crit header',
    () => signRaw(rsa, { alg: 'RS256', kid: rsa.kid, typ: 'at+jwt', crit: ['exp'], exp: 1 }, claims()),
    'header',
    'malformed_token',
    /crit/,
  ],
  [
    'a malformed JWS',
    () => `${b64({ alg: 'RS256' })}.not*base64.x`,
    'token',
    'malformed_request',
    /access token itself/,
  ],
  ['an encrypted token', () => 'a.b.c.d.e', 'token', 'encrypted_token', /signed \(not encrypted\)/],
  [
    'an opaque token on a JWT-only validator',
    () => 'opaque-token-value',
    'strategy',
    'wrong_strategy',
    /introspection option/,
  ],
  [
    'a token beyond maxTokenLength',
    () => 'x'.repeat(5000),
    'token',
    'token_too_large',
    /maxTokenLength/,
    [{ maxTokenLength: 4096 }],
  ],
  [
    'a DPoP-bound token without dpop',
    () => accessToken(rsa, { cnf: { jkt: 'abc' } }),
    'binding',
    'binding_mismatch',
    /set the dpop option/,
  ],
  [
    'a bearer token where dpop.required',
    () => accessToken(rsa),
    'binding',
    'dpop_required',
    /unset dpop\.required/,
    [{ dpop: { required: true, origin: 'https://api.test' } }],
  ],
  [
    'a claim value the profile pins',
    () => accessToken(rsa, { token_use: 'id' }),
    'claim_values',
    'invalid_claim',
    /token_use is "id", profile .* requires "access"/,
    [{ profile: { claimValues: { token_use: 'access' } } }],
  ],
  [
    'an unsupported cnf',
    () => accessToken(rsa, { cnf: { foo: 'x' } }),
    'binding',
    'unsupported_binding',
    /jkt.*x5t#S256/,
  ],
]

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}
function claims(): Record<string, unknown> {
  return { iss: ISSUER, aud: AUDIENCE, sub: 'alice', client_id: 'app', iat: NOW, jti: 'j', exp: NOW + 300 }
}

describe('explain names the failing check, its reason and the option to change', () => {
  it.each(CASES)('%s', async (_, make, check, reason, fix, options = []) => {
    const tokens = validator(options[0], options[1])
    const token = await make()
    const report = await tokens.explain(token)
    expect(report).toMatchObject({ ok: false, reason })
    const failed = report.checks.find((item) => !item.ok && item.skipped !== true)
    expect(failed).toMatchObject({ check, ok: false, reason })
    expect(`${failed!.detail} ${failed!.fix ?? ''}`).toMatch(fix)
    // The validator refuses it for the same reason.
    expect(await refusal(tokens, token)).toBe(reason)
    // Never the token, nor its signature, in the report.
    const text = JSON.stringify(report)
    expect(text).not.toContain(token)
    const signature = token.split('.')[2]
    if (signature !== undefined && signature.length > 8) expect(text).not.toContain(signature)
  })

  it('later checks still run after an earlier failure (expired and wrong audience both show)', async () => {
    const report = await validator().explain(
      await accessToken(rsa, { exp: NOW - 60, aud: 'https://other.test' }),
    )
    const failed = report.checks.filter((item) => !item.ok && item.skipped !== true).map((item) => item.check)
    expect(failed).toEqual(['aud', 'exp'])
    expect(report.reason).toBe('wrong_audience')
  })

  it('fetches no key for an untrusted issuer and says so', async () => {
    const report = await validator().explain(await accessToken(rsa, { iss: 'https://evil.test/' }))
    expect(report.checks.find((item) => item.check === 'keys')).toMatchObject({ ok: false, skipped: true })
    expect(report.checks.find((item) => item.check === 'signature')).toMatchObject({ skipped: true })
  })
})

describe('an acceptable token', () => {
  it('passes every check, with a claims summary as dates and no token', async () => {
    const tokens = validator()
    const token = await accessToken(rsa)
    const report = await tokens.explain(token)
    expect(report).toMatchObject({
      ok: true,
      strategy: 'jwt',
      claims: { iss: ISSUER, aud: AUDIENCE, client: 'app', exp: new Date((NOW + 300) * 1000).toISOString() },
    })
    expect(report.reason).toBeUndefined()
    expect(report.checks.every((item) => item.ok)).toBe(true)
    expect(report.checks.map((item) => item.check)).toEqual([
      'token',
      'strategy',
      'alg',
      'header',
      'issuer',
      'typ',
      'keys',
      'kid',
      'signature',
      'aud',
      'required_claims',
      'claim_types',
      'exp',
      'iat',
      'binding',
    ])
    expect(JSON.stringify(report)).not.toContain(token.split('.')[2])
  })

  it('caches, counts and emits nothing: the next request is a fresh verification', async () => {
    const tokens = validator()
    const token = await accessToken(rsa)
    await tokens.explain(token)
    expect(events).toEqual([])
    await tokens.verify(token)
    expect(events.map((event) => event.type)).toEqual(['cache_miss', 'accepted'])
  })

  it('a token revoked is refused on sensitive routes only, and explain records no revocation', async () => {
    const tokens = validator()
    const token = await accessToken(rsa)
    await tokens.revoke(token)
    expect(await tokens.explain(token)).toMatchObject({ ok: true })
    const report = await tokens.explain(token, { sensitive: true })
    expect(report).toMatchObject({ ok: false, reason: 'revoked', status: 401 })
    expect(report.checks.at(-1)).toMatchObject({
      check: 'denylist',
      ok: false,
      fix: expect.stringMatching(/new token/),
    })
    expect(await refusal(tokens, token, true)).toBe('revoked')
    const fresh = await accessToken(rsa, { jti: 'other' })
    expect(await tokens.explain(fresh, { sensitive: true })).toMatchObject({ ok: true })
    expect(await tokens.verify(fresh, { sensitive: true })).toMatchObject({ jti: 'other' })
  })

  it('a typ JWT token passes under the auth0 profile', async () => {
    const tokens = validator({ profile: 'auth0' })
    expect(await tokens.explain(await accessToken(rsa, {}, { typ: 'JWT' }))).toMatchObject({ ok: true })
  })

  it('refuses a token that is not a string with a TypeError', async () => {
    await expect(validator().explain(42 as never)).rejects.toThrow(TypeError)
  })
})
