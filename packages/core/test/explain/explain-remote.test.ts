import { createValidator, type TokenEvent, type Validator } from '../../src/index'
import { TokenError } from '../../src/errors'
import { createTestIssuer, type TestIssuer } from '../helpers/issuer'
import { AUDIENCE, NOW } from '../helpers/tokens'

// The test kit's loopback authorization server over real HTTP: metadata, JWKS and RFC 7662
// introspection; faults script the answers a misconfigured or failing server gives.
let issuer: TestIssuer
let base: string
let events: TokenEvent[] = []

beforeAll(async () => {
  issuer = await createTestIssuer({
    algorithms: ['RS256'],
    audience: AUDIENCE,
    subject: 'alice',
    clientId: 'app',
    clients: [{ clientId: 'api', clientSecret: 'right' }],
    now: () => NOW * 1000,
  })
  base = issuer.url
})
afterAll(() => issuer.close())
beforeEach(() => {
  events = []
  issuer.clearFaults()
  issuer.resetStats()
})

const opened: Validator[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((tokens) => tokens.close()))
})

function jwtValidator(): Validator {
  const tokens = createValidator({
    issuer: base,
    audience: AUDIENCE,
    now: () => NOW * 1000,
    onEvent: (event) => events.push(event),
    jwt: { algorithms: ['RS256'], keySet: { timeout: 500 } },
  })
  opened.push(tokens)
  return tokens
}

function opaqueValidator(): Validator {
  const tokens = createValidator({
    issuer: base,
    audience: AUDIENCE,
    now: () => NOW * 1000,
    onEvent: (event) => events.push(event),
    introspection: { endpoint: issuer.introspectionEndpoint, clientId: 'api', clientSecret: 'right' },
  })
  opened.push(tokens)
  return tokens
}

const reasonOf = (tokens: Validator, token: string) =>
  tokens.verify(token).then(
    () => undefined,
    (error: unknown) => (error instanceof TokenError ? error.reason : String(error)),
  )

describe('keys found through discovery', () => {
  it('reports the metadata and key set it fetched', async () => {
    const report = await jwtValidator().explain(await issuer.jwt())
    expect(report.ok).toBe(true)
    expect(report.checks.find((item) => item.check === 'metadata')).toMatchObject({
      ok: true,
      detail: expect.stringContaining(`${base}/jwks`),
    })
    expect(issuer.stats).toEqual({ metadataFetches: 1, jwksFetches: 1, introspections: 0, revocations: 0 })
  })

  it('metadata that cannot be found: 503 keys_unavailable, naming jwt.jwksUri', async () => {
    issuer.setFault('metadata', { status: 404, body: { error: 'not_found' } })
    const tokens = jwtValidator()
    const token = await issuer.jwt()
    const report = await tokens.explain(token)
    expect(report).toMatchObject({ ok: false, reason: 'keys_unavailable', status: 503 })
    expect(report.checks.find((item) => item.check === 'metadata')).toMatchObject({
      ok: false,
      fix: expect.stringContaining('jwt.jwksUri'),
    })
    expect(await reasonOf(tokens, token)).toBe('keys_unavailable')
  })

  it('a key set that answers 500: 503 keys_unavailable, saying what failed', async () => {
    issuer.setFault('jwks', { status: 500, body: { error: 'down' } })
    const tokens = jwtValidator()
    const token = await issuer.jwt()
    const report = await tokens.explain(token)
    expect(report).toMatchObject({ ok: false, reason: 'keys_unavailable', status: 503 })
    expect(report.checks.find((item) => item.check === 'keys')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/could not be loaded/),
    })
    expect(await reasonOf(tokens, token)).toBe('keys_unavailable')
  })
})

describe('opaque tokens: introspection', () => {
  // Faults script what the kit never answers by itself: a refusal, an outage, an expired token vouched for.
  const fault = (status: number, body: unknown) => () => {
    issuer.setFault('introspection', { status, body })
    return 'opaque-token-1'
  }
  const active = {
    active: true,
    iss: 'placeholder',
    aud: AUDIENCE,
    exp: NOW + 300,
    client_id: 'app',
    sub: 'alice',
  }

  type Case = [name: string, token: () => string, check: string, reason: string, fix: RegExp]
  const CASES: Case[] = [
    ['an inactive token', () => 'opaque-token-1', 'active', 'inactive', /fresh token/],
    [
      'our credentials refused (401)',
      fault(401, { error: 'invalid_client' }),
      'introspection',
      'introspection_unauthorized',
      /introspection\.clientSecret/,
    ],
    [
      'an endpoint answering 500',
      fault(500, { error: 'x' }),
      'introspection',
      'introspection_unavailable',
      /introspection\.endpoint/,
    ],
    [
      'another audience',
      () => issuer.opaque({ aud: 'https://other.test' }),
      'aud',
      'wrong_audience',
      /set audience/,
    ],
    [
      'another issuer',
      () => issuer.opaque({ claims: { iss: 'https://evil.test/' } }),
      'issuer',
      'unknown_issuer',
      /add "https:\/\/evil\.test\/"/,
    ],
    [
      'an expired answer',
      () => fault(200, { ...active, iss: base, exp: NOW - 60 })(),
      'exp',
      'expired',
      /fresh token/,
    ],
    [
      'a refresh token',
      () => issuer.opaque({ claims: { token_type: 'refresh_token' } }),
      'token_type',
      'refresh_token',
      /access token/,
    ],
    [
      'a member of the wrong type',
      () => issuer.opaque({ claims: { exp: 'soon' } }),
      'claim_types',
      'invalid_claim',
      /registered member types/,
    ],
  ]

  it.each(CASES)('%s', async (_, mint, check, reason, fix) => {
    const token = mint()
    const tokens = opaqueValidator()
    const report = await tokens.explain(token)
    expect(report).toMatchObject({ ok: false, strategy: 'opaque', reason })
    const failed = report.checks.find((item) => !item.ok && item.skipped !== true)
    expect(failed).toMatchObject({ check, reason })
    expect(`${failed!.detail} ${failed!.fix}`).toMatch(fix)
    expect(JSON.stringify(report)).not.toContain(token)
    expect(await reasonOf(tokens, token)).toBe(reason)
  })

  it('an active answer: accepted, summarised, and not cached (the next request asks again)', async () => {
    const token = issuer.opaque()
    const tokens = opaqueValidator()
    const report = await tokens.explain(token)
    expect(report).toMatchObject({ ok: true, strategy: 'opaque', claims: { iss: base, client: 'app' } })
    expect(
      events.filter(
        (event) => event.type === 'accepted' || event.type === 'rejected' || event.type === 'cache_miss',
      ),
    ).toEqual([])
    await tokens.verify(token)
    expect(issuer.introspectionsOf(token)).toBe(2)
  })
})

describe('a sensitive route that also introspects its JWTs', () => {
  it('runs the JWT checks, then asks the introspection endpoint', async () => {
    const tokens = createValidator({
      issuer: base,
      audience: AUDIENCE,
      now: () => NOW * 1000,
      jwt: { algorithms: ['RS256'] },
      introspection: { endpoint: issuer.introspectionEndpoint, clientId: 'api', clientSecret: 'right' },
    })
    opened.push(tokens)
    const token = await issuer.jwt()
    issuer.revoke(token) // signed and unexpired, but the authorization server says inactive
    const route = { sensitive: true, introspectJwt: true }
    const report = await tokens.explain(token, route)
    expect(report).toMatchObject({ ok: false, strategy: 'jwt', reason: 'inactive' })
    expect(report.checks.find((item) => item.check === 'signature')).toMatchObject({ ok: true })
    expect(issuer.introspectionsOf(token)).toBe(1)
    await expect(tokens.verify(token, route)).rejects.toMatchObject({ reason: 'inactive' })
    // The plain route of the same validator does not introspect: accepted.
    expect(await tokens.explain(token)).toMatchObject({ ok: true })
  })
})
