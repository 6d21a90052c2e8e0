import { createValidator, type Validator } from '@tokenguard/core'
import { REALM, type RouteSpec, type RunningApp } from '@tokenguard/conformance'
import { HARNESSES, INVALID_TOKEN, UNAVAILABLE, attack, bearer, expectRefused } from './src/attack'
import { claims, forge, rsaKey, type TestKey } from './src/forge'
import { startScriptedServer, type ScriptedServer } from './src/servers'

// Issuer resolvers over real HTTP on every adapter: an Entra multi-tenant template with two tenants
// (each with its own key set on a loopback server that counts every request), tenants it refuses
// without a single fetch, the cap on distinct issuers, and resolvers that throw or hang.
const TENANT_A = '11111111-1111-4111-8111-111111111111'
const TENANT_B = '22222222-2222-4222-8222-222222222222'
const TENANT_C = '33333333-3333-4333-8333-333333333333'
const APP = '6e74172b-be56-4843-9ff4-e66a39bb12e3'
const KEYS: Record<string, TestKey> = { [TENANT_A]: rsaKey('tenant-a'), [TENANT_B]: rsaKey('tenant-b') }
KEYS[TENANT_C] = rsaKey('tenant-c')
const TEMPLATE = 'https://login.microsoftonline.com/{tenantid}/v2.0'
const ROUTES: RouteSpec[] = [{ path: '/p', method: 'GET', route: {} }]

/** An Entra v2.0 access token of `tenant`, signed by `signer` (default: the tenant's own key). */
function entraToken(tenant: string, change: Record<string, unknown> = {}, signer = KEYS[tenant]!): string {
  const payload = claims({
    iss: `https://login.microsoftonline.com/${tenant}/v2.0`,
    aud: APP,
    tid: tenant,
    azp: 'b1d2c3e4-1111-4222-8333-944455556666',
    scp: 'items.read',
    ...change,
  })
  return forge(
    { header: { typ: 'JWT', alg: 'RS256', kid: KEYS[tenant]!.kid }, payload },
    'RS256',
    signer.privateKey,
  )
}

/** A loopback server publishing each tenant's keys at `/<tenant>/keys` (404 for anything else). */
async function keyServer(): Promise<ScriptedServer> {
  return startScriptedServer((request) => {
    const tenant = /^\/([0-9a-f-]{36})\/keys$/.exec(request.path)?.[1]
    const key = tenant === undefined ? undefined : KEYS[tenant]
    return key === undefined ? { status: 404, body: {} } : { body: { keys: [key.jwk] } }
  })
}

describe.each(HARNESSES)('$name: issuer resolvers', (harness) => {
  let keys: ScriptedServer
  const validators: Validator[] = []
  const apps: RunningApp[] = []
  async function start(issuer: Parameters<typeof createValidator>[0]['issuer']): Promise<RunningApp> {
    const validator = createValidator({ issuer, audience: APP, realm: REALM, jwt: { algorithms: ['RS256'] } })
    validators.push(validator)
    const app = await harness.start(validator, ROUTES)
    apps.push(app)
    return app
  }

  beforeAll(async () => {
    keys = await keyServer()
  })
  afterAll(async () => {
    for (const app of apps) await app.close()
    for (const validator of validators) await validator.close()
    await keys.close()
  })

  describe('an Entra multi-tenant template with two tenants', () => {
    let app: RunningApp
    beforeAll(async () => {
      app = await start({
        template: TEMPLATE,
        tenants: [TENANT_A, TENANT_B],
        profile: 'entra',
        jwksUri: `${keys.url}/{tenantid}/keys`,
      })
    })

    it('accepts each tenant with its own key set, fetched once', async () => {
      const before = keys.requests.length
      for (const tenant of [TENANT_A, TENANT_B, TENANT_A, TENANT_B]) {
        const answer = await attack(app.url, '/p', {
          headers: bearer(entraToken(tenant, { jti: `${tenant}-${Math.random()}` })),
        })
        expect(answer.status).toBe(200)
        const { auth } = answer.json as { auth: Record<string, unknown> }
        expect(auth.issuer).toBe(`https://login.microsoftonline.com/${tenant}/v2.0`)
        expect(auth.scopes).toEqual(['items.read'])
      }
      const paths = keys.requests.slice(before).map((r) => r.path)
      expect(paths.sort()).toEqual([`/${TENANT_A}/keys`, `/${TENANT_B}/keys`])
    })

    it.each<[string, () => string]>([
      ["tenant A's issuer signed with tenant B's key", () => entraToken(TENANT_A, {}, KEYS[TENANT_B])],
      ['a tid that is not the tenant in the issuer', () => entraToken(TENANT_A, { tid: TENANT_B })],
      ['another audience', () => entraToken(TENANT_A, { aud: 'api://other' })],
      ['an expired token', () => entraToken(TENANT_A, { exp: Math.floor(Date.now() / 1000) - 60 })],
    ])('refuses %s', async (_name, make) => {
      const token = make()
      expectRefused(await attack(app.url, '/p', { headers: bearer(token) }), INVALID_TOKEN, token, REALM)
    })

    it.each<[string, string]>([
      ['a tenant not listed', TENANT_C],
      ['the common endpoint', 'common'],
      ['organizations', 'organizations'],
      ['an upper-case tenant id', TENANT_A.toUpperCase()],
    ])('refuses %s without any fetch', async (_name, tenant) => {
      const before = keys.requests.length
      const token = entraToken(TENANT_C, {
        iss: `https://login.microsoftonline.com/${tenant}/v2.0`,
        tid: tenant,
      })
      expectRefused(await attack(app.url, '/p', { headers: bearer(token) }), INVALID_TOKEN, token, REALM)
      expect(keys.requests.length).toBe(before)
    })
  })

  it('refuses a new issuer with 503 and no fetch when the cap on distinct issuers is reached', async () => {
    const app = await start({
      template: TEMPLATE,
      tenants: 'any',
      profile: 'entra',
      jwksUri: `${keys.url}/{tenantid}/keys`,
      maxIssuers: 1,
    })
    expect((await attack(app.url, '/p', { headers: bearer(entraToken(TENANT_A)) })).status).toBe(200)
    const before = keys.requests.length
    const token = entraToken(TENANT_C)
    expectRefused(await attack(app.url, '/p', { headers: bearer(token) }), UNAVAILABLE, token, REALM)
    expect(keys.requests.length).toBe(before)
    // The issuer that holds the slot keeps working.
    expect(
      (await attack(app.url, '/p', { headers: bearer(entraToken(TENANT_A, { jti: 'again' })) })).status,
    ).toBe(200)
  })

  it('a function resolver: approved issuers verify, refused ones fetch nothing', async () => {
    const approved = `${keys.url}/approved`
    const app = await start((iss) =>
      iss === approved ? { profile: 'entra', jwksUri: `${keys.url}/${TENANT_A}/keys` } : undefined,
    )
    const before = keys.requests.length
    const refused = entraToken(TENANT_A, { iss: `${keys.url}/refused` })
    expectRefused(await attack(app.url, '/p', { headers: bearer(refused) }), INVALID_TOKEN, refused, REALM)
    expect(keys.requests.length).toBe(before)
    expect(
      (await attack(app.url, '/p', { headers: bearer(entraToken(TENANT_A, { iss: approved })) })).status,
    ).toBe(200)
    expect(keys.requests.slice(before).map((r) => r.path)).toEqual([`/${TENANT_A}/keys`])
  })

  it.each<[string, () => unknown]>([
    [
      'throws',
      () => {
        throw new Error('tenant directory down')
      },
    ],
    ['rejects', () => Promise.reject(new Error('tenant directory down'))],
    ['returns a key set URL in the clear', () => ({ jwksUri: 'http://keys.example/keys' })],
  ])('a resolver that %s answers 503, never 500, and fetches nothing', async (_name, resolve) => {
    const app = await start(resolve as never)
    const before = keys.requests.length
    const token = entraToken(TENANT_A)
    expectRefused(await attack(app.url, '/p', { headers: bearer(token) }), UNAVAILABLE, token, REALM)
    expect(keys.requests.length).toBe(before)
  })

  it('a resolver that hangs answers 503 within its timeout', async () => {
    const app = await start({ resolve: () => new Promise(() => {}), timeout: 200 })
    const token = entraToken(TENANT_A)
    const answer = await attack(app.url, '/p', { headers: bearer(token) })
    expectRefused(answer, UNAVAILABLE, token, REALM)
    expect(answer.ms).toBeLessThan(1200)
  })
})
