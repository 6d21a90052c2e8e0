import { createValidator, type IssuerOptions, type Validator } from '@tokenguard/core'
import { AUDIENCE, REALM, type RouteSpec, type RunningApp } from '@tokenguard/conformance'
import { HARNESSES, INVALID_TOKEN, attack, bearer, expectRefused, type Refusal } from './src/attack'
import { b64, nowSeconds, rsaKey } from './src/forge'
import { createTestIssuer, introspectionOf, opaqueAnswering, type TestIssuer } from './src/issuer'
import { PROVIDERS, providerToken, type ProviderFixture } from './src/provider-fixtures'

// Each provider's documented token shape, accepted under its profile, read as the provider means
// it (subject, client, scopes, roles), and every way a profile could weaken a check refused:
// issuer, audience, expiry, algorithm, signature, typ, required claims, the provider's lookalikes.
const INSUFFICIENT: Refusal = { status: 403, error: 'insufficient_scope' }
const attacker = rsaKey('attacker')

const issuerEntries = (): IssuerOptions[] => {
  const seen = new Map<string, IssuerOptions>()
  for (const p of PROVIDERS) seen.set(p.issuer, { url: p.issuer, profile: p.profile, audience: p.audience })
  return [...seen.values()]
}
const keys = { keys: PROVIDERS.map((p) => p.key.jwk as never) }

/** The claim that carries the audience under the profile (Cognito access tokens: `client_id`). */
const audienceClaim = (p: ProviderFixture) => (p.profile === 'cognito' ? 'client_id' : 'aud')

type Negative = [name: string, make: (p: ProviderFixture) => string]
const NEGATIVES: Negative[] = [
  ['iss of an issuer not listed', (p) => providerToken(p, (c) => (c.iss = 'https://evil.test/'))],
  [
    'iss with another trailing slash',
    (p) => providerToken(p, (c) => (c.iss = p.issuer.endsWith('/') ? p.issuer.slice(0, -1) : `${p.issuer}/`)),
  ],
  [
    'audience of another resource',
    (p) => providerToken(p, (c) => (c[audienceClaim(p)] = 'https://other.test')),
  ],
  ['audience claim missing', (p) => providerToken(p, (c) => delete c[audienceClaim(p)])],
  [
    'expired beyond the leeway',
    (p) => providerToken(p, (c) => ((c.exp = nowSeconds() - 60), (c.iat = nowSeconds() - 700))),
  ],
  ['exp missing', (p) => providerToken(p, (c) => delete c.exp)],
  ['nbf in the future', (p) => providerToken(p, (c) => (c.nbf = nowSeconds() + 600))],
  ['signed by another key under the same kid', (p) => providerToken(p, undefined, {}, attacker)],
  [
    'alg none',
    (p) => `${b64(JSON.stringify({ ...p.header, alg: 'none' }))}.${providerToken(p).split('.')[1]}.`,
  ],
  ['alg RS512 (genuine, not pinned)', (p) => providerToken(p, undefined, { alg: 'RS512' })],
  [
    'signature of another token',
    (p) =>
      `${providerToken(p).split('.').slice(0, 2).join('.')}.${providerToken(p, (c) => (c.sub = 'x')).split('.')[2]}`,
  ],
  ['typ dpop+jwt (a DPoP proof)', (p) => providerToken(p, undefined, { typ: 'dpop+jwt' })],
  ['typ not a string', (p) => providerToken(p, undefined, { typ: ['JWT'] })],
  ['the required claim missing', (p) => providerToken(p, (c) => delete c[p.requiredClaim])],
  ['the subject claim of the wrong type', (p) => providerToken(p, (c) => (c.sub = 42))],
]

const routesFor = (p: ProviderFixture, i: number): RouteSpec[] => [
  ...(p.expected.scopes.length > 0
    ? [{ path: `/p${i}/scope`, method: 'GET' as const, route: {}, scopes: [p.expected.scopes.at(-1)!] }]
    : []),
  ...(p.expected.roles.length > 0
    ? [{ path: `/p${i}/role`, method: 'GET' as const, route: {}, roles: [...p.expected.roles] }]
    : []),
]

const named = PROVIDERS.map((p, i) => ({ ...p, i, toString: () => p.name }))

describe.each(HARNESSES)('$name: provider profiles', (harness) => {
  let profiled: Validator
  let strict: Validator
  let app: RunningApp
  let strictApp: RunningApp

  beforeAll(async () => {
    const base = { audience: AUDIENCE, realm: REALM, jwt: { algorithms: ['RS256'], jwks: keys } }
    profiled = createValidator({ ...base, issuer: issuerEntries() })
    // The same issuers and audiences under the default RFC 9068 profile.
    strict = createValidator({
      ...base,
      issuer: issuerEntries().map(({ url, audience }) => ({ url, audience })),
    })
    const routes: RouteSpec[] = [
      { path: '/p', method: 'GET', route: {} },
      { path: '/sensitive', method: 'GET', route: { sensitive: true } },
      { path: '/no-role', method: 'GET', route: {}, roles: ['no-such-role'] },
      { path: '/no-scope', method: 'GET', route: {}, scopes: ['no:such:scope'] },
      { path: '/role-reader', method: 'GET', route: {}, roles: ['reader'] },
      ...PROVIDERS.flatMap(routesFor),
    ]
    app = await harness.start(profiled, routes)
    strictApp = await harness.start(strict, routes)
  })
  afterAll(async () => {
    await app?.close()
    await strictApp?.close()
    await profiled?.close()
    await strict?.close()
  })

  describe.each(named)('%s', (p) => {
    it('is accepted, with the subject, client, scopes and roles the provider means', async () => {
      const token = providerToken(p)
      for (const path of ['/p', '/sensitive']) {
        const answer = await attack(app.url, path, { headers: bearer(token) })
        expect(answer.status).toBe(200)
        const { auth } = answer.json as { auth: Record<string, unknown> }
        expect({
          subject: auth.subject,
          clientId: auth.clientId,
          scopes: auth.scopes,
          roles: auth.roles,
          issuer: auth.issuer,
        }).toEqual({ ...p.expected, issuer: p.issuer })
      }
    })

    it('requireScopes and requireRoles read where the profile says; a missing one is 403', async () => {
      const token = providerToken(p)
      if (p.expected.scopes.length > 0)
        expect((await attack(app.url, `/p${p.i}/scope`, { headers: bearer(token) })).status).toBe(200)
      if (p.expected.roles.length > 0)
        expect((await attack(app.url, `/p${p.i}/role`, { headers: bearer(token) })).status).toBe(200)
      for (const path of ['/no-role', '/no-scope']) {
        const answer = await attack(app.url, path, { headers: bearer(token) })
        expectRefused(answer, INSUFFICIENT, token, REALM)
      }
    })

    it('is refused under the default RFC 9068 profile, unless it meets RFC 9068', async () => {
      const token = providerToken(p)
      const answer = await attack(strictApp.url, '/p', { headers: bearer(token) })
      if (p.rfc9068) expect(answer.status).toBe(200)
      else expectRefused(answer, INVALID_TOKEN, token, REALM)
    })

    it.each(NEGATIVES)('never weakened: %s', async (_name, make) => {
      const token = make(p)
      for (const path of ['/p', '/sensitive']) {
        expectRefused(await attack(app.url, path, { headers: bearer(token) }), INVALID_TOKEN, token, REALM)
      }
    })

    it.each(p.lookalikes)('refuses the provider lookalike: %s', async (_name, change) => {
      const token = providerToken(p, change)
      expectRefused(await attack(app.url, '/p', { headers: bearer(token) }), INVALID_TOKEN, token, REALM)
    })
  })

  it('a role requirement fails closed for a token without roles, and roles never come from another client', async () => {
    const keycloak = PROVIDERS.find((p) => p.profile === 'keycloak')!
    expect((await attack(app.url, '/role-reader', { headers: bearer(providerToken(keycloak)) })).status).toBe(
      200,
    )
    // `reader` granted by the `account` client is not a role of this API (`items-api`).
    const other = providerToken(keycloak, (c) => {
      c.resource_access = { account: { roles: ['reader'] } }
      c.realm_access = { roles: [] }
    })
    expectRefused(
      await attack(app.url, '/role-reader', { headers: bearer(other) }),
      INSUFFICIENT,
      other,
      REALM,
    )
    const none = providerToken(keycloak, (c) => (delete c.resource_access, delete c.realm_access))
    expectRefused(await attack(app.url, '/role-reader', { headers: bearer(none) }), INSUFFICIENT, none, REALM)
    // A role claim of the wrong shape is a malformed token, not "no roles".
    const malformed = providerToken(keycloak, (c) => (c.realm_access = { roles: [1] }))
    expectRefused(
      await attack(app.url, '/p', { headers: bearer(malformed) }),
      INVALID_TOKEN,
      malformed,
      REALM,
    )
  })

  it('an unsigned header that only claims a listed issuer fetches nothing and is refused', async () => {
    const token = `${b64(JSON.stringify({ alg: 'RS256', kid: 'nope' }))}.${b64(JSON.stringify({ iss: PROVIDERS[0]!.issuer }))}.AAAA`
    expectRefused(await attack(app.url, '/p', { headers: bearer(token) }), INVALID_TOKEN, token, REALM)
  })
})

describe.each(HARNESSES)('$name: provider profiles for introspected tokens', (harness) => {
  // Keycloak's RFC 7662 answer carries the token's claims: roles and scopes are read as for its JWTs.
  const keycloak = PROVIDERS.find((p) => p.profile === 'keycloak')!
  let as: TestIssuer
  let validator: Validator
  let app: RunningApp

  beforeAll(async () => {
    as = await createTestIssuer()
    validator = createValidator({
      issuer: [{ url: keycloak.issuer, profile: 'keycloak' }],
      audience: keycloak.audience,
      realm: REALM,
      introspection: introspectionOf(as),
    })
    app = await harness.start(validator, [
      { path: '/opaque', method: 'GET', route: { strategy: 'opaque' }, roles: ['reader', 'items-admin'] },
      { path: '/opaque-root', method: 'GET', route: { strategy: 'opaque' }, roles: ['root'] },
    ])
  })
  afterAll(async () => {
    await app?.close()
    await validator?.close()
    await as?.close()
  })

  it('reads realm and client roles, scopes and the client from the answer', async () => {
    const claims = keycloak.payload(nowSeconds())
    delete claims.typ // an introspection answer's token_type says Bearer instead
    const token = opaqueAnswering(as, { ...claims, client_id: 'web-app', token_type: 'Bearer' })
    const answer = await attack(app.url, '/opaque', { headers: bearer(token) })
    expect(answer.status).toBe(200)
    const { auth } = answer.json as { auth: Record<string, unknown> }
    expect({ roles: auth.roles, scopes: auth.scopes, clientId: auth.clientId }).toEqual({
      roles: keycloak.expected.roles,
      scopes: keycloak.expected.scopes,
      clientId: 'web-app',
    })
    expectRefused(await attack(app.url, '/opaque-root', { headers: bearer(token) }), INSUFFICIENT)
  })
})
