import { createValidator, MemoryStore, type TokenEvent, type ValidatorOptions } from '../../src/index'
import type { TokenError } from '../../src/errors'
import { AUDIENCE, NOW, accessToken, signingKey, type SigningKey } from '../helpers/tokens'
import { startScriptedServer, type ScriptedServer } from '../helpers/scripted-server.js'

// Per-issuer introspection through an issuer resolver, against the shared loopback scripted server:
// `/<tenant>/introspect` answers only that tenant's own credentials, and every tenant publishes
// RFC 8414 metadata naming its endpoint. Every request is recorded (path, client id, token).

interface Seen {
  path: string
  clientId: string
  secret: string
  token: string
}
const seen: Seen[] = []
/** The answer per `<tenant>/<token>`; missing: inactive. */
const answers = new Map<string, Record<string, unknown>>()
/** What a tenant's metadata names as its introspection endpoint (default its own loopback path). */
const published = new Map<string, string>()
let server: ScriptedServer
let base = ''
let clock = NOW * 1000
let events: TokenEvent[] = []
let rsa: SigningKey

beforeAll(async () => {
  rsa = await signingKey('RS256')
  server = await startScriptedServer(({ path, headers, body, token, clientId }) => {
    const authorization = headers.authorization ?? ''
    const basic = authorization.startsWith('Basic ')
      ? Buffer.from(authorization.slice(6), 'base64').toString('utf8')
      : ''
    const secret = basic
      ? basic.slice(basic.indexOf(':') + 1)
      : (new URLSearchParams(body).get('client_secret') ?? '')
    seen.push({ path, clientId, secret, token })
    const tenant = /^\/(\w+)\//.exec(path)?.[1] ?? ''
    if (path.endsWith('/.well-known/openid-configuration')) {
      const issuer = `${base}/${tenant}`
      const endpoint = published.get(tenant) ?? `${issuer}/introspect`
      return { body: { issuer, jwks_uri: `${issuer}/jwks`, introspection_endpoint: endpoint } }
    }
    if (path.endsWith('/jwks')) return { body: { keys: [rsa.publicJwk] } }
    if (path.endsWith('/introspect')) {
      // Each tenant knows only its own client: `<tenant>-api` / `<tenant>-secret`.
      if (clientId !== `${tenant}-api` || secret !== `${tenant}-secret`)
        return { status: 401, body: { error: 'invalid_client' } }
      return { body: answers.get(`${tenant}/${token}`) ?? { active: false } }
    }
    return { status: 404, body: {} }
  })
  base = server.url
})
afterAll(() => server.close())
beforeEach(() => {
  clock = NOW * 1000
  events = []
  seen.length = 0
  answers.clear()
  published.clear()
})

const issuerOf = (tenant: string) => `${base}/${tenant}`
const credentials = (tenant: string) => ({ clientId: `${tenant}-api`, clientSecret: `${tenant}-secret` })
const active = (extra: Record<string, unknown> = {}) => ({
  active: true,
  aud: AUDIENCE,
  scope: 'items:read',
  sub: 'user-1',
  exp: NOW + 600,
  ...extra,
})
const introspected = () => seen.filter((request) => request.path.endsWith('/introspect'))

/** A validator whose resolver trusts the tenants in `trusted`, each with its own endpoint and client. */
function validator(
  resolve: Extract<ValidatorOptions['issuer'], { resolve?: unknown }>['resolve'],
  extra: Record<string, unknown> = {},
  introspection: ValidatorOptions['introspection'] = {},
) {
  return createValidator({
    issuer: { resolve, ...extra },
    audience: AUDIENCE,
    now: () => clock,
    onEvent: (event) => events.push(event),
    introspection,
  })
}

const tenants =
  (...trusted: string[]) =>
  (iss: string) => {
    const tenant = trusted.find((name) => iss === issuerOf(name))
    return tenant === undefined
      ? undefined
      : { introspection: { endpoint: `${iss}/introspect`, ...credentials(tenant) } }
  }

async function refusal(promise: Promise<unknown>): Promise<Pick<TokenError, 'status' | 'reason'>> {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as TokenError
  expect(error).toBeDefined()
  return { status: error.status, reason: error.reason }
}

describe('per-issuer introspection: options', () => {
  it.each<[string, Partial<ValidatorOptions>, RegExp]>([
    [
      'a validator-wide introspection.endpoint',
      { introspection: { endpoint: 'https://as.test/introspect', clientId: 'a', clientSecret: 'b' } },
      /give each issuer its `introspection.endpoint`/,
    ],
    ['a client id without its secret', { introspection: { clientId: 'a' } }, /introspection.clientSecret/],
  ])('refuses %s', (_name, extra, message) => {
    expect(() =>
      createValidator({ issuer: () => undefined, audience: AUDIENCE, ...extra } as ValidatorOptions),
    ).toThrow(message)
  })

  it('refuses an issuer.fromRequest that is not a function', () => {
    expect(() =>
      createValidator({
        issuer: { resolve: () => undefined, fromRequest: 'host' as never },
        audience: AUDIENCE,
        introspection: {},
      }),
    ).toThrow(/issuer.fromRequest/)
  })

  it.each<[string, unknown, RegExp]>([
    ['an unknown field', { endpoint: 'https://as.test/i', scope: 'x' }, /introspection.scope is not/],
    ['an http endpoint off loopback', { endpoint: 'http://as.example/i', ...credentials('a') }, /https/],
    ['a missing secret (no validator default)', { clientId: 'x' }, /clientSecret/],
    ['a bad clientAuth', { ...credentials('a'), clientAuth: 'private_key_jwt' }, /clientAuth/],
  ])("a template's introspection with %s is a TypeError at construction", (_name, introspection, message) => {
    expect(() =>
      createValidator({
        issuer: {
          template: 'https://login.microsoftonline.com/{tenantid}/v2.0',
          tenants: 'any',
          introspection: introspection as never,
        },
        audience: AUDIENCE,
        introspection: {},
      }),
    ).toThrow(message)
  })

  it.each<[string, ValidatorOptions['issuer'], RegExp]>([
    [
      "a function resolver's default introspection with an unknown field",
      { resolve: () => ({}), introspection: { endpont: 'https://as.test/i' } as never },
      /issuer.introspection.endpont is not an introspection option/,
    ],
    [
      'issuer.fromRequest without the validator introspection',
      { resolve: () => ({}), fromRequest: () => undefined },
      /fromRequest.*needs the validator's `introspection` option/,
    ],
  ])('%s is a TypeError at construction', (_name, issuer, message) => {
    // The first case has the validator's introspection: its defaults are then checked field by field.
    const introspection = 'introspection' in (issuer as object) ? { introspection: {} } : {}
    expect(() =>
      createValidator({ issuer, audience: AUDIENCE, jwt: { algorithms: ['RS256'] }, ...introspection }),
    ).toThrow(message)
  })

  it('an issuer config with introspection needs the validator introspection option', () => {
    expect(() =>
      createValidator({
        issuer: {
          template: 'https://login.microsoftonline.com/{tenantid}/v2.0',
          tenants: 'any',
          introspection: { endpoint: 'https://as.test/i', ...credentials('a') },
        },
        audience: AUDIENCE,
        jwt: { algorithms: ['RS256'] },
      }),
    ).toThrow(/needs the validator's `introspection` option/)
  })

  it('a resolver result with a bad introspection config is a 503, and nothing is fetched', async () => {
    const tokens = validator(() => ({ introspection: { endpoint: 'ftp://x', ...credentials('a') } }))
    expect(await refusal(tokens.verify('opaque-1', { issuer: issuerOf('a') }))).toEqual({
      status: 503,
      reason: 'issuer_unavailable',
    })
    expect(seen).toEqual([])
  })

  it('verify and explain refuse an issuer on a validator that lists its issuers', async () => {
    const listed = createValidator({
      issuer: issuerOf('a'),
      audience: AUDIENCE,
      introspection: { endpoint: `${issuerOf('a')}/introspect`, ...credentials('a') },
    })
    await expect(listed.verify('opaque-1', { issuer: issuerOf('a') })).rejects.toThrow(/issuer resolver/)
    await expect(listed.explain('opaque-1', { issuer: issuerOf('a') })).rejects.toThrow(/issuer resolver/)
    expect(seen).toEqual([])
  })

  it('verify refuses an issuer that is not a string', async () => {
    const tokens = validator(tenants('a'))
    await expect(tokens.verify('opaque-1', { issuer: 42 as never })).rejects.toThrow(TypeError)
  })
})

describe('per-issuer introspection: trust', () => {
  it("introspects a trusted issuer's token at its own endpoint with its own credentials", async () => {
    answers.set('a/opaque-1', active())
    answers.set('b/opaque-2', active({ scope: 'items:write', iss: issuerOf('b') }))
    const tokens = validator(tenants('a', 'b'))
    const a = await tokens.verify('opaque-1', { issuer: issuerOf('a') })
    const b = await tokens.verify('opaque-2', { issuer: issuerOf('b') })
    // An answer without `iss` belongs to the issuer we asked.
    expect([a.issuer, a.scopes, a.strategy]).toEqual([issuerOf('a'), ['items:read'], 'opaque'])
    expect([b.issuer, b.scopes]).toEqual([issuerOf('b'), ['items:write']])
    expect(introspected().map(({ path, clientId, token }) => [path, clientId, token])).toEqual([
      ['/a/introspect', 'a-api', 'opaque-1'],
      ['/b/introspect', 'b-api', 'opaque-2'],
    ])
  })

  it('refuses a refused issuer with 401 and no request at all', async () => {
    answers.set('c/opaque-1', active())
    const tokens = validator(tenants('a'))
    expect(await refusal(tokens.verify('opaque-1', { issuer: issuerOf('c') }))).toEqual({
      status: 401,
      reason: 'unknown_issuer',
    })
    expect(seen).toEqual([])
  })

  it('refuses an opaque token whose request names no issuer', async () => {
    const tokens = validator(tenants('a'))
    expect(await refusal(tokens.verify('opaque-1'))).toEqual({ status: 401, reason: 'unknown_issuer' })
    const request = { method: 'GET', headers: { authorization: 'Bearer opaque-1' } }
    expect(await refusal(tokens.authenticate(request))).toEqual({ status: 401, reason: 'unknown_issuer' })
    expect(seen).toEqual([])
  })

  it('asks the resolver about the issuer issuer.fromRequest names (a header here)', async () => {
    answers.set('a/opaque-1', active())
    const asked: string[] = []
    const tokens = validator((iss) => (asked.push(iss), tenants('a')(iss)), {
      fromRequest: (request: { headers: Record<string, unknown> }) =>
        issuerOf(String(request.headers['x-tenant'])),
    })
    const request = (tenant: string) => ({
      method: 'GET',
      headers: { authorization: 'Bearer opaque-1', 'x-tenant': tenant },
    })
    expect((await tokens.authenticate(request('a')))?.issuer).toBe(issuerOf('a'))
    expect(await refusal(tokens.authenticate(request('z')))).toEqual({
      status: 401,
      reason: 'unknown_issuer',
    })
    // Decisions are cached as for a JWT's `iss`: a second request asks nothing.
    await tokens.authenticate(request('a'))
    expect(asked).toEqual([issuerOf('a'), issuerOf('z')])
  })

  it('an issuer.fromRequest that throws is a 503', async () => {
    const tokens = validator(tenants('a'), {
      fromRequest: () => {
        throw new Error('no tenant table')
      },
    })
    const request = { method: 'GET', headers: { authorization: 'Bearer opaque-1' } }
    expect(await refusal(tokens.authenticate(request))).toEqual({ status: 503, reason: 'issuer_unavailable' })
  })

  it.each<[string, () => unknown]>([
    [
      'throws',
      () => {
        throw new Error('tenant db down')
      },
    ],
    ['hangs past its timeout', () => new Promise(() => {})],
  ])('a resolver that %s answers 503 and nothing is fetched', async (_name, resolve) => {
    const tokens = validator(resolve as never, { timeout: 50 })
    expect(await refusal(tokens.verify('opaque-1', { issuer: issuerOf('a') }))).toEqual({
      status: 503,
      reason: 'issuer_unavailable',
    })
    expect(seen).toEqual([])
  })

  it("refuses an answer whose iss is another issuer's", async () => {
    answers.set('a/opaque-1', active({ iss: issuerOf('b') }))
    const tokens = validator(tenants('a', 'b'))
    expect(await refusal(tokens.verify('opaque-1', { issuer: issuerOf('a') }))).toEqual({
      status: 401,
      reason: 'unknown_issuer',
    })
  })

  it("holds an answer to the issuer's own audience", async () => {
    answers.set('a/opaque-1', active({ aud: 'https://tenant-a.api' }))
    answers.set('a/opaque-2', active())
    const tokens = validator((iss) =>
      iss === issuerOf('a')
        ? {
            audience: 'https://tenant-a.api',
            introspection: { endpoint: `${iss}/introspect`, ...credentials('a') },
          }
        : undefined,
    )
    expect((await tokens.verify('opaque-1', { issuer: issuerOf('a') })).subject).toBe('user-1')
    expect(await refusal(tokens.verify('opaque-2', { issuer: issuerOf('a') }))).toEqual({
      status: 401,
      reason: 'wrong_audience',
    })
  })

  it('never shares an answer between issuers, even for one token at one endpoint with one client', async () => {
    answers.set('a/shared-token', active())
    const tokens = validator((iss) =>
      iss === issuerOf('a') || iss === issuerOf('b')
        ? { introspection: { endpoint: `${issuerOf('a')}/introspect`, ...credentials('a') } }
        : undefined,
    )
    const a = await tokens.verify('shared-token', { issuer: issuerOf('a') })
    const b = await tokens.verify('shared-token', { issuer: issuerOf('b') })
    expect([a.issuer, b.issuer]).toEqual([issuerOf('a'), issuerOf('b')])
    // Each issuer asked once: the second is not answered from the first's cache.
    expect(introspected()).toHaveLength(2)
    await tokens.verify('shared-token', { issuer: issuerOf('a') })
    expect(introspected()).toHaveLength(2)
  })

  it('an issuer with introspection: false, or none and no validator credentials, refuses opaque tokens without a request', async () => {
    answers.set('a/opaque-1', active())
    for (const config of [{ introspection: false as const }, {}]) {
      const tokens = validator(() => config)
      expect(await refusal(tokens.verify('opaque-1', { issuer: issuerOf('a') }))).toEqual({
        status: 401,
        reason: 'issuer_not_introspected',
      })
    }
    expect(seen).toEqual([])
  })
})

describe('per-issuer introspection: defaults and discovery', () => {
  it("uses the validator's credentials and the issuer's discovered introspection_endpoint", async () => {
    answers.set('a/opaque-1', active())
    const tokens = validator((iss) => (iss === issuerOf('a') ? {} : undefined), {}, credentials('a'))
    expect((await tokens.verify('opaque-1', { issuer: issuerOf('a') })).issuer).toBe(issuerOf('a'))
    // RFC 8414 §3.1 first (404 here), then OpenID discovery.
    expect(seen.map(({ path, clientId }) => [path, clientId])).toEqual([
      ['/.well-known/oauth-authorization-server/a', ''],
      ['/a/.well-known/openid-configuration', ''],
      ['/a/introspect', 'a-api'],
    ])
  })

  it('an issuer overrides part of the validator credentials', async () => {
    answers.set('b/opaque-1', active())
    const tokens = validator(
      (iss) =>
        iss === issuerOf('b')
          ? { introspection: { clientId: 'b-api', clientSecret: 'b-secret' } }
          : undefined,
      {},
      { clientId: 'default-api', clientSecret: 'default-secret', clientAuth: 'client_secret_post' },
    )
    expect((await tokens.verify('opaque-1', { issuer: issuerOf('b') })).subject).toBe('user-1')
    expect(introspected().map(({ clientId, secret }) => [clientId, secret])).toEqual([['b-api', 'b-secret']])
  })

  it('an issuer whose profile has no introspection endpoint gets no default introspection', async () => {
    answers.set('a/opaque-1', active())
    const tokens = validator(() => ({ profile: 'cognito' }), {}, credentials('a'))
    expect(await refusal(tokens.verify('opaque-1', { issuer: issuerOf('a') }))).toEqual({
      status: 401,
      reason: 'issuer_not_introspected',
    })
    expect(seen).toEqual([])
  })

  it('asking such an issuer to discover its endpoint is a config error (503), never a fetch', async () => {
    const tokens = validator(() => ({ profile: 'cognito', introspection: credentials('a') }))
    expect(await refusal(tokens.verify('opaque-1', { issuer: issuerOf('a') }))).toEqual({
      status: 503,
      reason: 'issuer_unavailable',
    })
    expect(seen).toEqual([])
    expect(() =>
      createValidator({
        issuer: {
          template: 'https://login.microsoftonline.com/{tenantid}/v2.0',
          tenants: 'any',
          profile: 'entra',
          introspection: credentials('a'),
        },
        audience: AUDIENCE,
        introspection: {},
      }),
    ).toThrow(
      /introspection.endpoint is required: the entra profile's provider has no introspection endpoint/,
    )
  })

  it('refuses a discovered endpoint off the URL rules with 503 and never calls it', async () => {
    published.set('a', 'http://introspect.example/steal')
    const tokens = validator(() => ({}), {}, credentials('a'))
    expect(await refusal(tokens.verify('opaque-1', { issuer: issuerOf('a') }))).toEqual({
      status: 503,
      reason: 'introspection_unavailable',
    })
    expect(seen.map((request) => request.path)).toEqual([
      '/.well-known/oauth-authorization-server/a',
      '/a/.well-known/openid-configuration',
    ])
  })

  it('wrong credentials for one issuer are a 503 introspection_unauthorized', async () => {
    const tokens = validator(() => ({
      introspection: { endpoint: `${issuerOf('a')}/introspect`, ...credentials('b') },
    }))
    expect(await refusal(tokens.verify('opaque-1', { issuer: issuerOf('a') }))).toEqual({
      status: 503,
      reason: 'introspection_unauthorized',
    })
  })
})

describe('per-issuer introspection: bounds', () => {
  it('refuses an issuer over maxIssuers with 503 issuer_limit and no request, until a slot is idle', async () => {
    answers.set('a/opaque-1', active())
    answers.set('b/opaque-1', active())
    const tokens = validator(tenants('a', 'b'), { maxIssuers: 1, cacheTtl: 60 })
    await tokens.verify('opaque-1', { issuer: issuerOf('a') })
    const before = seen.length
    expect(await refusal(tokens.verify('opaque-1', { issuer: issuerOf('b') }))).toEqual({
      status: 503,
      reason: 'issuer_limit',
    })
    expect(seen.length).toBe(before)
    // The issuer holding the slot keeps working; once it has been idle for cacheTtl, b gets it.
    await tokens.verify('opaque-1', { issuer: issuerOf('a') })
    clock += 61_000
    expect((await tokens.verify('opaque-1', { issuer: issuerOf('b') })).issuer).toBe(issuerOf('b'))
  })

  it("a fresh decision (after issuer.cacheTtl) applies its new audience to the issuer's answers", async () => {
    answers.set('a/opaque-1', active({ aud: 'https://v1.api' }))
    let audience = 'https://v1.api'
    const tokens = validator(
      (iss) => ({ audience, introspection: { endpoint: `${iss}/introspect`, ...credentials('a') } }),
      { cacheTtl: 60 },
    )
    expect((await tokens.verify('opaque-1', { issuer: issuerOf('a') })).subject).toBe('user-1')
    audience = 'https://v2.api'
    clock += 61_000
    expect(await refusal(tokens.verify('opaque-1', { issuer: issuerOf('a') }))).toEqual({
      status: 401,
      reason: 'wrong_audience',
    })
  })

  it('a revocation reaches the answer cache of every issuer', async () => {
    answers.set('a/opaque-1', active())
    const tokens = validator(tenants('a'))
    await tokens.verify('opaque-1', { issuer: issuerOf('a') })
    await tokens.verify('opaque-1', { issuer: issuerOf('a') })
    expect(introspected()).toHaveLength(1)
    await tokens.revoke('opaque-1')
    answers.set('a/opaque-1', { active: false })
    expect(await refusal(tokens.verify('opaque-1', { issuer: issuerOf('a') }))).toEqual({
      status: 401,
      reason: 'inactive',
    })
    await tokens.close()
  })
})

describe('per-issuer introspection: a fleet sharing one store', () => {
  function member(store: MemoryStore) {
    return createValidator({
      issuer: { resolve: tenants('a') },
      audience: AUDIENCE,
      now: () => clock,
      store,
      introspection: {},
    })
  }

  it('answers one issuer once for the fleet: a member without the answer reads the shared one', async () => {
    answers.set('a/opaque-1', active())
    const store = new MemoryStore({ now: () => clock })
    const [first, second] = [member(store), member(store)]
    await first.verify('opaque-1', { issuer: issuerOf('a') })
    await second.verify('opaque-1', { issuer: issuerOf('a') })
    expect(introspected()).toHaveLength(1)
    await Promise.all([first.close(), second.close()])
  })

  it('a revocation on a member that never served the issuer clears the fleet answer too', async () => {
    answers.set('a/opaque-1', active())
    const store = new MemoryStore({ now: () => clock })
    const [serving, revoking, later] = [member(store), member(store), member(store)]
    await serving.verify('opaque-1', { issuer: issuerOf('a') })
    expect(introspected()).toHaveLength(1)
    // `revoking` holds no slot for tenant a: it cannot know which issuer the opaque token is of.
    await revoking.revoke('opaque-1')
    answers.set('a/opaque-1', { active: false })
    // A member with no local answer must ask the server again, not read the revoked shared answer.
    expect(await refusal(later.verify('opaque-1', { issuer: issuerOf('a') }))).toEqual({
      status: 401,
      reason: 'inactive',
    })
    expect(introspected()).toHaveLength(2)
    await Promise.all([serving.close(), revoking.close(), later.close()])
  })
})

describe('per-issuer introspection: hybrid routes', () => {
  function hybrid() {
    return createValidator({
      issuer: (iss) =>
        iss === issuerOf('a')
          ? { jwksUri: `${iss}/jwks`, introspection: { endpoint: `${iss}/introspect`, ...credentials('a') } }
          : undefined,
      audience: AUDIENCE,
      now: () => clock,
      jwt: { algorithms: ['RS256'] },
      introspection: {},
    })
  }

  it('a JWT goes the JWT way (no introspection), an opaque token to its named issuer', async () => {
    const tokens = hybrid()
    const jwt = await accessToken(rsa, { iss: issuerOf('a') })
    expect((await tokens.verify(jwt)).strategy).toBe('jwt')
    expect(introspected()).toEqual([])
    answers.set('a/opaque-1', active())
    expect((await tokens.verify('opaque-1', { issuer: issuerOf('a') })).strategy).toBe('opaque')
  })

  it("a sensitive route's introspectJwt refuses the JWT of an issuer without introspection", async () => {
    const tokens = createValidator({
      issuer: (iss) => (iss === issuerOf('b') ? { jwksUri: `${iss}/jwks`, introspection: false } : undefined),
      audience: AUDIENCE,
      now: () => clock,
      jwt: { algorithms: ['RS256'] },
      introspection: credentials('b'),
    })
    const jwt = await accessToken(rsa, { iss: issuerOf('b') })
    expect((await tokens.verify(jwt)).strategy).toBe('jwt')
    expect(await refusal(tokens.verify(jwt, { sensitive: true, introspectJwt: true }))).toEqual({
      status: 401,
      reason: 'issuer_not_introspected',
    })
    expect(introspected()).toEqual([])
    await tokens.close()
  })

  it("a sensitive route's introspectJwt asks the JWT's own issuer's server", async () => {
    const tokens = hybrid()
    const jwt = await accessToken(rsa, { iss: issuerOf('a') })
    answers.set(`a/${jwt}`, active({ iss: issuerOf('a') }))
    const context = await tokens.verify(jwt, { sensitive: true, introspectJwt: true })
    expect(context.strategy).toBe('jwt')
    expect(introspected().map(({ path, clientId }) => [path, clientId])).toEqual([['/a/introspect', 'a-api']])
    answers.set(`a/${jwt}`, { active: false })
    expect(await refusal(tokens.verify(jwt, { sensitive: true, introspectJwt: true }))).toEqual({
      status: 401,
      reason: 'inactive',
    })
    await tokens.close()
  })
})

describe('per-issuer introspection: explain', () => {
  it('explains an opaque token at the issuer named, with its endpoint and credentials', async () => {
    answers.set('a/opaque-1', active({ scope: 'items:read' }))
    const report = await validator(tenants('a')).explain('opaque-1', {
      issuer: issuerOf('a'),
      scopes: ['items:write'],
    })
    expect({ ok: report.ok, reason: report.reason, status: report.status }).toEqual({
      ok: false,
      reason: 'insufficient_scope',
      status: 403,
    })
    expect(report.claims?.iss).toBe(issuerOf('a'))
    expect(introspected().map(({ path, clientId }) => [path, clientId])).toEqual([['/a/introspect', 'a-api']])
  })

  it.each<[string, Parameters<typeof validator>[0], string | undefined, string, RegExp]>([
    ['no issuer named', tenants('a'), undefined, 'unknown_issuer', /explain\(token, \{ issuer \}\)/],
    ['a refused issuer', tenants('a'), 'c', 'unknown_issuer', /make the resolver return a config/],
    [
      'an issuer without introspection',
      () => ({ introspection: false }),
      'a',
      'issuer_not_introspected',
      /introspection/,
    ],
  ])('%s: says so, and asks no server', async (_name, resolve, tenant, reason, fix) => {
    const report = await validator(resolve).explain('opaque-1', {
      issuer: tenant === undefined ? undefined : issuerOf(tenant),
    })
    expect([report.ok, report.reason]).toEqual([false, reason])
    const failed = report.checks.find((item) => !item.ok)!
    expect([failed.check, failed.fix]).toEqual(['issuer', expect.stringMatching(fix)])
    expect(seen).toEqual([])
  })

  it("explains an answer that names another issuer's iss", async () => {
    answers.set('a/opaque-1', active({ iss: issuerOf('b') }))
    const report = await validator(tenants('a', 'b')).explain('opaque-1', { issuer: issuerOf('a') })
    expect(report.reason).toBe('unknown_issuer')
    expect(report.checks.find((item) => !item.ok)?.detail).toMatch(/not the issuer asked/)
  })
})
