import { createValidator, type RequestLike, type Validator, type ValidatorOptions } from '@tokenguard/core'
import { AUDIENCE, REALM, type RouteSpec, type RunningApp } from '@tokenguard/conformance'
import { HARNESSES, INVALID_TOKEN, UNAVAILABLE, attack, bearer, expectRefused } from './src/attack'
import { claims, forge, rsaKey } from './src/forge'
import { startScriptedServer, type ScriptedServer } from './src/servers'

// Per-issuer introspection over real HTTP on every adapter: a tenant is named by the request (an
// `X-Tenant` header through `issuer.fromRequest`), the issuer resolver decides on it, and each
// trusted tenant is introspected at its own loopback endpoint with its own client credentials.
// The server answers only a tenant's own credentials and records every request.
const ROUTES: RouteSpec[] = [
  { path: '/p', method: 'GET', route: { strategy: 'opaque' } },
  { path: '/hybrid', method: 'GET', route: { strategy: 'hybrid' } },
  { path: '/sensitive', method: 'GET', route: { strategy: 'hybrid', sensitive: true, introspectJwt: true } },
]
const ALPHA_KEY = rsaKey('alpha-key')
const nowS = () => Math.floor(Date.now() / 1000)

/** `/<tenant>/introspect`: 401 unless the form carries `<tenant>-api` / `<tenant>-secret`. */
async function tenantServer(answers: Map<string, Record<string, unknown>>): Promise<ScriptedServer> {
  return startScriptedServer((request) => {
    if (request.path === '/alpha/keys') return { body: { keys: [ALPHA_KEY.jwk] } }
    const tenant = /^\/(\w+)\/introspect$/.exec(request.path)?.[1]
    if (tenant === undefined) return { status: 404, body: {} }
    const form = new URLSearchParams(request.body)
    if (form.get('client_id') !== `${tenant}-api` || form.get('client_secret') !== `${tenant}-secret`)
      return { status: 401, body: { error: 'invalid_client' } }
    return { body: answers.get(`${tenant}/${request.token}`) ?? { active: false } }
  })
}

const active = (extra: Record<string, unknown> = {}) => ({
  active: true,
  aud: AUDIENCE,
  sub: 'bob',
  scope: 'items:read',
  exp: nowS() + 600,
  ...extra,
})
const asTenant = (tenant: string, token: string): Array<[string, string]> => [
  ...bearer(token),
  ['X-Tenant', tenant],
]

describe.each(HARNESSES)('$name: per-issuer introspection', (harness) => {
  const answers = new Map<string, Record<string, unknown>>()
  let server: ScriptedServer
  const validators: Validator[] = []
  const apps: RunningApp[] = []
  const issuerOf = (tenant: string) => `${server.url}/${tenant}`

  async function start(issuer: Record<string, unknown>): Promise<RunningApp> {
    const validator = createValidator({
      issuer: {
        fromRequest: (request: RequestLike) => {
          const tenant = request.headers['x-tenant']
          return typeof tenant === 'string' ? issuerOf(tenant) : undefined
        },
        ...issuer,
      } as ValidatorOptions['issuer'],
      audience: AUDIENCE,
      realm: REALM,
      introspection: { clientAuth: 'client_secret_post', timeout: 300 },
      jwt: { algorithms: ['RS256'] },
    })
    validators.push(validator)
    const app = await harness.start(validator, ROUTES)
    apps.push(app)
    return app
  }
  /** Trusts the listed tenants, each at its own endpoint with its own credentials. */
  const tenants =
    (...trusted: string[]) =>
    (iss: string) => {
      const tenant = trusted.find((name) => iss === issuerOf(name))
      if (tenant === undefined) return undefined
      return {
        jwksUri: `${iss}/keys`,
        introspection: {
          endpoint: `${iss}/introspect`,
          clientId: `${tenant}-api`,
          clientSecret: `${tenant}-secret`,
        },
      }
    }

  beforeAll(async () => {
    server = await tenantServer(answers)
  })
  afterAll(async () => {
    for (const app of apps) await app.close()
    for (const validator of validators) await validator.close()
    await server.close()
  })

  describe('two trusted tenants', () => {
    let app: RunningApp
    beforeAll(async () => {
      app = await start({ resolve: tenants('alpha', 'beta') })
    })

    it('introspects each tenant at its own endpoint with its own credentials', async () => {
      answers.set('alpha/tok-alpha-1', active())
      answers.set('beta/tok-beta-1', active({ iss: issuerOf('beta'), scope: 'items:write' }))
      const before = server.requests.length
      const a = await attack(app.url, '/p', { headers: asTenant('alpha', 'tok-alpha-1') })
      const b = await attack(app.url, '/p', { headers: asTenant('beta', 'tok-beta-1') })
      expect([a.status, b.status]).toEqual([200, 200])
      expect((a.json as { auth: Record<string, unknown> }).auth).toMatchObject({
        strategy: 'opaque',
        issuer: issuerOf('alpha'),
        scopes: ['items:read'],
      })
      expect((b.json as { auth: Record<string, unknown> }).auth).toMatchObject({
        issuer: issuerOf('beta'),
        scopes: ['items:write'],
      })
      expect(server.requests.slice(before).map((r) => [r.path, r.clientId, r.token])).toEqual([
        ['/alpha/introspect', 'alpha-api', 'tok-alpha-1'],
        ['/beta/introspect', 'beta-api', 'tok-beta-1'],
      ])
    })

    it("never answers one tenant's token from another tenant's answer", async () => {
      answers.set('alpha/tok-shared', active())
      const before = server.requests.length
      expect((await attack(app.url, '/p', { headers: asTenant('alpha', 'tok-shared') })).status).toBe(200)
      // beta's server says inactive: the cached answer of alpha must not open beta.
      const refused = await attack(app.url, '/p', { headers: asTenant('beta', 'tok-shared') })
      expectRefused(refused, INVALID_TOKEN, 'tok-shared', REALM)
      expect(server.requests.slice(before).map((r) => r.path)).toEqual([
        '/alpha/introspect',
        '/beta/introspect',
      ])
    })

    it('refuses an answer whose iss names another tenant', async () => {
      answers.set('alpha/tok-liar', active({ iss: issuerOf('beta') }))
      const answer = await attack(app.url, '/p', { headers: asTenant('alpha', 'tok-liar') })
      expectRefused(answer, INVALID_TOKEN, 'tok-liar', REALM)
    })

    it.each<[string, Array<[string, string]>]>([
      ['a tenant the resolver refuses', asTenant('gamma', 'tok-gamma-1')],
      ['a request that names no tenant', bearer('tok-gamma-1')],
    ])('refuses %s with 401 and no request to any server', async (_name, headers) => {
      answers.set('gamma/tok-gamma-1', active())
      const before = server.requests.length
      expectRefused(await attack(app.url, '/p', { headers }), INVALID_TOKEN, 'tok-gamma-1', REALM)
      expect(server.requests.length).toBe(before)
    })
  })

  describe('hybrid routes', () => {
    let app: RunningApp
    const jwtOf = (extra: Record<string, unknown> = {}) =>
      forge(
        {
          header: { typ: 'at+jwt', alg: 'RS256', kid: ALPHA_KEY.kid },
          payload: claims({ iss: issuerOf('alpha'), ...extra }),
        },
        'RS256',
        ALPHA_KEY.privateKey,
      )
    beforeAll(async () => {
      app = await start({ resolve: tenants('alpha', 'beta') })
    })

    it('a JWT goes the JWT way under its own iss, whatever tenant the request names', async () => {
      const before = server.requests.length
      const answer = await attack(app.url, '/hybrid', { headers: asTenant('beta', jwtOf()) })
      expect(answer.status).toBe(200)
      expect((answer.json as { auth: Record<string, unknown> }).auth).toMatchObject({
        strategy: 'jwt',
        issuer: issuerOf('alpha'),
      })
      expect(server.requests.slice(before).map((r) => r.path)).toEqual(['/alpha/keys'])
      answers.set('beta/tok-beta-h', active())
      const opaque = await attack(app.url, '/hybrid', { headers: asTenant('beta', 'tok-beta-h') })
      expect((opaque.json as { auth: Record<string, unknown> }).auth).toMatchObject({
        strategy: 'opaque',
        issuer: issuerOf('beta'),
      })
    })

    it("a sensitive route's introspectJwt asks the JWT's own issuer's server", async () => {
      const token = jwtOf()
      answers.set(`alpha/${token}`, active({ iss: issuerOf('alpha') }))
      const before = server.requests.length
      expect((await attack(app.url, '/sensitive', { headers: asTenant('beta', token) })).status).toBe(200)
      expect(server.requests.slice(before).map((r) => [r.path, r.clientId])).toEqual([
        ['/alpha/introspect', 'alpha-api'],
      ])
      answers.delete(`alpha/${token}`)
      expectRefused(
        await attack(app.url, '/sensitive', { headers: asTenant('beta', token) }),
        INVALID_TOKEN,
        token,
        REALM,
      )
    })
  })

  it('refuses a tenant over the cap with 503 and no request, while the first keeps working', async () => {
    const app = await start({ resolve: tenants('alpha', 'beta'), maxIssuers: 1 })
    answers.set('alpha/tok-cap-a', active())
    answers.set('beta/tok-cap-b', active())
    expect((await attack(app.url, '/p', { headers: asTenant('alpha', 'tok-cap-a') })).status).toBe(200)
    const before = server.requests.length
    const answer = await attack(app.url, '/p', { headers: asTenant('beta', 'tok-cap-b') })
    expectRefused(answer, UNAVAILABLE, 'tok-cap-b', REALM)
    expect(server.requests.length).toBe(before)
    expect((await attack(app.url, '/p', { headers: asTenant('alpha', 'tok-cap-a') })).status).toBe(200)
  })

  it.each<[string, () => unknown]>([
    [
      'throws',
      () => {
        throw new Error('tenant directory down')
      },
    ],
    ['hangs', () => new Promise(() => {})],
  ])('a resolver that %s answers 503 and fetches nothing', async (_name, resolve) => {
    const app = await start({ resolve, timeout: 200 })
    const before = server.requests.length
    const answer = await attack(app.url, '/p', { headers: asTenant('alpha', 'tok-alpha-1') })
    expectRefused(answer, UNAVAILABLE, 'tok-alpha-1', REALM)
    expect(answer.ms).toBeLessThan(1500)
    expect(server.requests.length).toBe(before)
  })
})
