import { createValidator, type Validator } from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM, type RunningApp } from '@tokenguard/conformance'
import { HARNESSES, INVALID_TOKEN, attack, bearer, expectRefused } from './src/attack'
import { claims, genuine, rsaKey } from './src/forge'

// RFC 9068 §2.2: `iss`, `exp`, `aud`, `sub`, `client_id`, `iat` and `jti` are required. The
// default profile enforces all seven; a profile object relaxes the last four, per validator or per
// issuer, never `iss`, `exp` or `aud`.
const rsa = rsaKey('rsa-9068')
const OTHER = 'https://other-issuer.test/'

/** A genuine RFC 9068 token without the named claims (and with `extra` merged in). */
const without = (names: string[], extra: Record<string, unknown> = {}) => {
  const payload = claims(extra)
  for (const name of names) delete payload[name]
  return genuine(rsa, 'RS256', {}, JSON.stringify(payload))
}

type Case = [name: string, make: () => string, strict: 401 | 200, relaxed: 401 | 200]

const CASES: Case[] = [
  ['control: all seven claims', () => without([]), 200, 200],
  ['sub missing', () => without(['sub']), 401, 200],
  ['client_id missing', () => without(['client_id']), 401, 200],
  ['iat missing', () => without(['iat']), 401, 200],
  ['jti missing', () => without(['jti']), 401, 200],
  [
    'sub, client_id, iat and jti missing (a bare JWT)',
    () => without(['sub', 'client_id', 'iat', 'jti']),
    401,
    200,
  ],
  ['iss missing (never relaxed)', () => without(['iss']), 401, 401],
  ['aud missing (never relaxed)', () => without(['aud']), 401, 401],
  ['exp missing (never relaxed)', () => without(['exp']), 401, 401],
  ['typ JWT (never relaxed by requiredClaims)', () => genuine(rsa, 'RS256', { typ: 'JWT' }), 401, 401],
  ['client_id null is not "present"', () => without([], { client_id: null }), 401, 401],
]

describe.each(HARNESSES)('$name: RFC 9068 required claims', (harness) => {
  const validators: Validator[] = []
  const apps: Record<'strict' | 'relaxed' | 'perIssuer' | 'extra', RunningApp> = {} as never
  const routes = [
    { path: '/jwt', method: 'GET' as const, route: {} },
    { path: '/sensitive', method: 'GET' as const, route: { sensitive: true } },
  ]
  const jwt = { algorithms: ['RS256'], jwks: { keys: [rsa.jwk as never] } }

  beforeAll(async () => {
    const base = { audience: AUDIENCE, realm: REALM, jwt }
    const make = async (name: keyof typeof apps, options: Parameters<typeof createValidator>[0]) => {
      const validator = createValidator(options)
      validators.push(validator)
      apps[name] = await harness.start(validator, routes)
    }
    await make('strict', { ...base, issuer: ISSUER })
    await make('relaxed', { ...base, issuer: ISSUER, profile: { requiredClaims: [] } })
    // Relaxed for one issuer only: the other stays strict.
    await make('perIssuer', {
      ...base,
      issuer: [{ url: ISSUER, profile: { extends: 'rfc9068', requiredClaims: ['sub'] } }, OTHER],
    })
    // `jwt.requiredClaims` still adds to whatever the profile requires.
    await make('extra', { ...base, issuer: ISSUER, jwt: { ...jwt, requiredClaims: ['scope'] } })
  })
  afterAll(async () => {
    for (const app of Object.values(apps)) await app?.close()
    for (const validator of validators) await validator.close()
  })

  async function expectAnswer(app: RunningApp, token: string, expected: 401 | 200) {
    for (const path of ['/jwt', '/sensitive']) {
      const answer = await attack(app.url, path, { headers: bearer(token) })
      if (expected === 200) expect(answer.status).toBe(200)
      else expectRefused(answer, INVALID_TOKEN, token, REALM)
    }
  }

  it.each(CASES)('default profile: %s', async (_name, make, strict) => {
    await expectAnswer(apps.strict, make(), strict)
  })

  it.each(CASES)('profile { requiredClaims: [] }: %s', async (_name, make, _strict, relaxed) => {
    await expectAnswer(apps.relaxed, make(), relaxed)
  })

  it('relaxed per issuer: that issuer may omit jti, the other may not; sub stays required', async () => {
    await expectAnswer(apps.perIssuer, without(['jti', 'client_id', 'iat']), 200)
    await expectAnswer(apps.perIssuer, without(['sub']), 401)
    await expectAnswer(apps.perIssuer, without([], { iss: OTHER }), 200)
    await expectAnswer(apps.perIssuer, without(['jti'], { iss: OTHER }), 401)
  })

  it('jwt.requiredClaims adds to the profile: scope required, the RFC 9068 claims still too', async () => {
    await expectAnswer(apps.extra, without([]), 200)
    await expectAnswer(apps.extra, without(['scope']), 401)
    await expectAnswer(apps.extra, without(['jti']), 401)
  })
})
