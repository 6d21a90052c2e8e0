import { createValidator, type Validator } from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM, type RunningApp } from '@tokenguard/conformance'
import {
  HARNESSES,
  INVALID_TOKEN,
  UNAVAILABLE,
  attack,
  bearer,
  expectRefused,
  parseChallenge,
} from './src/attack'
import { genuine, nowSeconds, rsaKey } from './src/forge'
import { createTestIssuer, introspectionOf, type TestIssuer } from './src/issuer'

// `exposeErrorReasons` is a development aid: the reason reaches `error_description` (body and
// challenge alike) on every adapter, and only when asked; the token itself never does.
const rsa = rsaKey('rsa-expose')
const expired = () => genuine(rsa, 'RS256', {}, { iat: nowSeconds() - 600, exp: nowSeconds() - 60 })
const typJwt = () => genuine(rsa, 'RS256', { typ: 'JWT' })

function options(introspection: TestIssuer, secret: string) {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    realm: REALM,
    jwt: { algorithms: ['RS256'], jwks: { keys: [rsa.jwk as never] } },
    introspection: introspectionOf(introspection, secret),
  }
}

describe.each(HARNESSES)('$name: exposeErrorReasons', (harness) => {
  let introspection: TestIssuer
  let exposing: Validator
  let quiet: Validator
  let apps: RunningApp[] = []
  let warn: jest.SpyInstance
  const rejected: string[] = []

  beforeAll(async () => {
    warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {})
    introspection = await createTestIssuer()
    exposing = createValidator({ ...options(introspection, 'not-the-secret'), exposeErrorReasons: true })
    quiet = createValidator({
      ...options(introspection, 'not-the-secret'),
      onEvent: (event) => {
        if (event.type === 'rejected') rejected.push(event.reason)
      },
    })
    const routes = [{ path: '/any', method: 'GET' as const, route: {} }]
    apps = [await harness.start(exposing, routes), await harness.start(quiet, routes)]
  })
  afterAll(async () => {
    warn.mockRestore()
    await Promise.all(apps.map((app) => app.close()))
    await Promise.all([exposing?.close(), quiet?.close(), introspection?.close()])
  })

  it.each([
    ['an expired token', expired, /reason expired: the token has expired/],
    ['typ JWT', typJwt, /reason wrong_type: .*profile or jwt\.typ/],
  ])('%s: the reason is in error_description of body and challenge', async (_, make, words) => {
    const token = make()
    const answer = await attack(apps[0]!.url, '/any', { headers: bearer(token) })
    expect(answer.status).toBe(401)
    const body = answer.json as { error: string; error_description: string }
    expect(body.error).toBe('invalid_token')
    expect(body.error_description).toMatch(/^The access token is invalid; /)
    expect(body.error_description).toMatch(words)
    const { params } = parseChallenge(answer.headers['www-authenticate'] as string)
    expect(params.error_description).toBe(body.error_description)
    expect(answer.text).not.toContain(token.split('.')[2])
  })

  it('a wrong introspection secret: 503 naming introspection_unauthorized', async () => {
    const answer = await attack(apps[0]!.url, '/any', { headers: bearer('opaque-token-value') })
    expect(answer.status).toBe(503)
    expect((answer.json as { error_description: string }).error_description).toMatch(
      /reason introspection_unauthorized: .*introspection\.clientId, clientSecret/,
    )
  })

  it('off by default: the same refusals stay generic', async () => {
    expectRefused(
      await attack(apps[1]!.url, '/any', { headers: bearer(expired()) }),
      INVALID_TOKEN,
      undefined,
      REALM,
    )
    expectRefused(await attack(apps[1]!.url, '/any', { headers: bearer('opaque-token-value') }), UNAVAILABLE)
    // The event still names a refused introspection secret apart from an outage.
    expect(rejected).toEqual(['expired', 'introspection_unauthorized'])
  })

  it('warned once, at construction, that reasons are exposed', () => {
    // The quiet validator and every request since: no more warnings.
    expect(warn.mock.calls).toEqual([
      [expect.stringMatching(/^exposeErrorReasons is on/), { code: 'TOKENGUARD_EXPOSE_ERROR_REASONS' }],
    ])
  })
})

describe('exposeErrorReasons is checked at construction', () => {
  const base = {
    issuer: ISSUER,
    audience: AUDIENCE,
    jwt: { algorithms: ['RS256'], jwks: { keys: [rsa.jwk as never] } },
  }
  const saved = process.env.NODE_ENV
  afterEach(() => {
    process.env.NODE_ENV = saved
  })

  it('is refused under NODE_ENV=production unless forced (and then still warns)', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {})
    process.env.NODE_ENV = 'production'
    expect(() => createValidator({ ...base, exposeErrorReasons: true })).toThrow(
      /exposeErrorReasons.*production.*'force'/,
    )
    const forced = createValidator({ ...base, exposeErrorReasons: 'force' })
    await forced.close()
    expect(warn).toHaveBeenCalledTimes(1)
    warn.mockRestore()
    expect(() => createValidator({ ...base, exposeErrorReasons: false })).not.toThrow()
  })

  it('takes only true, false or force', () => {
    expect(() => createValidator({ ...base, exposeErrorReasons: 'yes' as never })).toThrow(
      new TypeError("createValidator: `exposeErrorReasons` must be true, false or 'force'"),
    )
  })
})
