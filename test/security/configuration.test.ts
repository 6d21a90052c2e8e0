import {
  createValidator,
  protectedResourceMetadata,
  type TokenEvent,
  type Validator,
  type ValidatorOptions,
} from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM, type RunningApp } from '@tokenguard/conformance'
import { HARNESSES, UNAVAILABLE, attack, bearer, expectRefused } from './src/attack'
import { genuine, rsaKey } from './src/forge'

// Configuration is checked when the validator is built: a setting that could only ever refuse every
// token, or that reaches keys and verdicts in the clear, is a TypeError naming the option, never a
// stream of 401s (or a silent downgrade) first seen per request.
const jwks = { keys: [] }
const base: ValidatorOptions = { issuer: ISSUER, audience: AUDIENCE, jwt: { algorithms: ['RS256'], jwks } }
const build = (extra: Partial<ValidatorOptions>) => () => createValidator({ ...base, ...extra })
const secret = (bytes: number) => 'k'.repeat(bytes)
const rsa = rsaKey('rsa-main')

describe('issuer URLs', () => {
  it.each([
    ['a query', 'https://login.test/?tenant=1', /`issuer(\[\d+\])?` must not carry a query/],
    ['an empty query', 'https://login.test/?', /`issuer(\[\d+\])?` must not carry a query/],
    ['a fragment', 'https://login.test/#x', /`issuer(\[\d+\])?` must not carry a fragment/],
    ['an empty fragment', 'https://login.test/#', /`issuer(\[\d+\])?` must not carry a fragment/],
    ['userinfo', 'https://user:pass@login.test/', /`issuer(\[\d+\])?` must not carry userinfo/],
    ['a user name only', 'https://user@login.test/', /`issuer(\[\d+\])?` must not carry userinfo/],
    ['http on a public host', 'http://login.test/', /`issuer(\[\d+\])?` must be an https URL/],
    ['http on a private address', 'http://10.0.0.1/', /`issuer(\[\d+\])?` must be an https URL/],
    ['http on 0.0.0.0', 'http://0.0.0.0:8080/', /`issuer(\[\d+\])?` must be an https URL/],
    [
      'http on a host named like loopback',
      'http://127.0.0.1.evil.test/',
      /`issuer(\[\d+\])?` must be an https URL/,
    ],
    ['another scheme', 'ftp://login.test/', /`issuer(\[\d+\])?` must be an http\(s\) URL/],
    ['a relative URL', '/login', /`issuer(\[\d+\])?` must be an absolute URL/],
  ])('refuses an issuer with %s', (_name, issuer, message) => {
    expect(build({ issuer })).toThrow(TypeError)
    expect(build({ issuer })).toThrow(message)
    // One bad entry in an allowlist is enough (the message names its index).
    expect(build({ issuer: [ISSUER, issuer] })).toThrow(message)
  })

  it.each([
    'https://login.test/',
    'https://login.test/tenant/a',
    'http://127.0.0.1:4444/',
    'http://127.10.20.30/',
    'http://localhost:3000/',
    'http://[::1]:3000/',
  ])('accepts %s', (issuer) => {
    expect(build({ issuer })).not.toThrow()
  })

  it('takes http on any host only with the opt-in that names it insecure', () => {
    expect(build({ issuer: 'http://login.test/', allowInsecureIssuer: true })).not.toThrow()
    // The opt-in is about transport only: a query is still refused.
    expect(build({ issuer: 'http://login.test/?a=1', allowInsecureIssuer: true })).toThrow(/query/)
    expect(build({ allowInsecureIssuer: 'yes' as never })).toThrow(/`allowInsecureIssuer` must be a boolean/)
  })
})

describe('key set and introspection URLs', () => {
  const introspection = { clientId: 'api', clientSecret: 's' }
  it.each([
    ['jwt.jwksUri', { jwt: { algorithms: ['RS256'], jwksUri: 'http://keys.test/jwks' } }],
    ['jwt.jwksUri', { jwt: { algorithms: ['RS256'], jwksUri: 'https://u:p@keys.test/jwks' } }],
    ['introspection.endpoint', { introspection: { ...introspection, endpoint: 'http://as.test/i' } }],
    ['introspection.endpoint', { introspection: { ...introspection, endpoint: 'https://u:p@as.test/i' } }],
  ])('refuses %s in the clear or with credentials in it', (name, extra) => {
    expect(build(extra as Partial<ValidatorOptions>)).toThrow(new RegExp(`\`${name.replace('.', '\\.')}\``))
  })

  it('keeps loopback endpoints (the e2e and example setups) and https ones', () => {
    expect(build({ jwt: { algorithms: ['RS256'], jwksUri: 'http://127.0.0.1:9/jwks' } })).not.toThrow()
    expect(build({ introspection: { ...introspection, endpoint: 'http://localhost:9/i' } })).not.toThrow()
    expect(build({ introspection: { ...introspection, endpoint: 'https://as.test/i' } })).not.toThrow()
    expect(
      build({ allowInsecureIssuer: true, jwt: { algorithms: ['RS256'], jwksUri: 'http://keys.test/' } }),
    ).not.toThrow()
  })
})

describe('resource metadata (RFC 9728)', () => {
  it.each([
    ['http on a public host', 'http://api.test/.well-known/oauth-protected-resource'],
    ['a fragment', 'https://api.test/.well-known/oauth-protected-resource#x'],
  ])('refuses a resourceMetadata URL with %s', (_name, resourceMetadata) => {
    expect(build({ resourceMetadata })).toThrow(/`resourceMetadata`/)
  })

  it('accepts an https resourceMetadata URL', () => {
    expect(build({ resourceMetadata: 'https://api.test/.well-known/oauth-protected-resource' })).not.toThrow()
  })

  it.each([
    ['http on a public host', 'http://api.test'],
    ['a fragment', 'https://api.test/#v1'],
    ['an empty fragment', 'https://api.test/#'],
    ['not a URL', 'api'],
  ])('refuses a `resource` identifier with %s (§1.2)', (_name, resource) => {
    expect(() => protectedResourceMetadata({ resource, authorizationServers: [ISSUER] })).toThrow(TypeError)
  })

  it('builds the document for an https resource', () => {
    expect(protectedResourceMetadata({ resource: AUDIENCE, authorizationServers: [ISSUER] })).toMatchObject({
      resource: AUDIENCE,
    })
  })
})

describe('HMAC secrets (RFC 7518 §3.2: at least the hash output)', () => {
  it.each([
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ])('%s needs %i bytes', (alg, bytes) => {
    const hs = (length: number, algorithms = [alg]) => build({ jwt: { algorithms, secret: secret(length) } })
    expect(hs(bytes - 1)).toThrow(new RegExp(`\`jwt.secret\` must be at least ${bytes} bytes`))
    expect(hs(bytes)).not.toThrow()
    expect(() =>
      createValidator({ ...base, jwt: { algorithms: [alg], secret: Buffer.alloc(bytes - 1, 1) } }),
    ).toThrow(TypeError)
  })

  it('the longest hash in the list decides', () => {
    expect(build({ jwt: { algorithms: ['HS256', 'HS512'], secret: secret(48) } })).toThrow(/at least 64/)
    expect(build({ jwt: { algorithms: ['HS256', 'HS384'], secret: secret(48) } })).not.toThrow()
  })
})

describe.each(HARNESSES)('$name: a fault while verifying is ours, not the token’s', (harness) => {
  let app: RunningApp
  let validator: Validator
  const events: TokenEvent[] = []
  let broken = false
  beforeAll(async () => {
    validator = createValidator({
      ...base,
      realm: REALM,
      jwt: { algorithms: ['RS256'], jwks: { keys: [rsa.jwk] as never[] } },
      onEvent: (event) => events.push(event),
      // The clock is read during verification; a throwing clock stands for any unexpected fault.
      now: () => {
        if (broken) throw new TypeError("Cannot read properties of undefined (reading 'exp')")
        return Date.now()
      },
    })
    app = await harness.start(validator, [{ path: '/jwt', method: 'GET', route: { strategy: 'jwt' } }])
  })
  afterAll(async () => {
    await app?.close()
    await validator?.close()
  })

  it('is 503 with Retry-After and a rejected event with reason internal_error, never a 401', async () => {
    const token = genuine(rsa, 'RS256')
    expect((await attack(app.url, '/jwt', { headers: bearer(token) })).status).toBe(200)
    broken = true
    events.length = 0
    try {
      expectRefused(await attack(app.url, '/jwt', { headers: bearer(token) }), UNAVAILABLE, token)
    } finally {
      broken = false
    }
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'rejected', reason: 'internal_error', status: 503 }),
    )
  })
})
