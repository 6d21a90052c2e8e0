import { createValidator, type TokenEvent, type ValidatorOptions } from '../../src/index'
import type { TokenError } from '../../src/errors'
import { startScriptedServer, type ScriptedServer } from '../helpers/scripted-server'
import { AUDIENCE, NOW, accessToken, signingKey, withSegment, type SigningKey } from '../helpers/tokens'

// Issuer resolvers through createValidator: the decision, its cache, its bounds and the key sets
// of approved issuers, with real loopback HTTP for every fetch (hits are counted per path).

let rsa: SigningKey
let ec: SigningKey
let clock = NOW * 1000
let events: TokenEvent[] = []
const hits = new Map<string, number>()
let server: ScriptedServer
let base = ''

beforeAll(async () => {
  ;[rsa, ec] = await Promise.all([signingKey('RS256'), signingKey('ES256')])
  // Any path prefix is an issuer of its own: its metadata names it, and every JWKS holds both keys.
  server = await startScriptedServer(({ path }) => {
    hits.set(path, (hits.get(path) ?? 0) + 1)
    const issuer = `${base}${path.replace('/.well-known/openid-configuration', '')}`
    if (path.startsWith('/missing')) return { status: 404, body: {} }
    if (path.endsWith('/.well-known/openid-configuration'))
      return { body: { issuer, jwks_uri: `${issuer}/jwks` } }
    if (path.endsWith('/jwks')) return { body: { keys: [rsa.publicJwk, ec.publicJwk] } }
    return { status: 404, body: {} }
  })
  base = server.url
})
afterAll(() => server.close())
beforeEach(() => {
  clock = NOW * 1000
  events = []
  hits.clear()
})

const totalHits = () => [...hits.values()].reduce((a, b) => a + b, 0)
/** Local keys for a resolver result (read when used: the keys exist only after beforeAll). */
const local = {
  get jwks() {
    return { keys: [rsa.publicJwk, ec.publicJwk] }
  },
}

function validator(issuer: ValidatorOptions['issuer'], extra: Partial<ValidatorOptions> = {}) {
  return createValidator({
    issuer,
    audience: AUDIENCE,
    now: () => clock,
    onEvent: (event) => events.push(event),
    jwt: { algorithms: ['RS256', 'ES256'] },
    ...extra,
  })
}

const token = (iss: string, key: SigningKey = rsa, claims: Record<string, unknown> = {}) =>
  accessToken(key, { iss, ...claims })

async function refusal(promise: Promise<unknown>): Promise<Pick<TokenError, 'status' | 'reason'>> {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as TokenError
  expect(error).toBeDefined()
  return { status: error.status, reason: error.reason }
}

describe('issuer resolver: options', () => {
  it.each<[string, unknown, RegExp]>([
    [
      'both resolve and template',
      { resolve: () => undefined, template: 'https://a.test/{tenantid}', tenants: 'any' },
      /one/,
    ],
    ['a template without the placeholder', { template: 'https://a.test/x', tenants: 'any' }, /tenantid/],
    [
      'a template with two placeholders',
      { template: 'https://a.test/{tenantid}/{tenantid}', tenants: 'any' },
      /exactly once/,
    ],
    ['a template over http', { template: 'http://a.test/{tenantid}', tenants: 'any' }, /https/],
    ['a template without tenants', { template: 'https://a.test/{tenantid}' }, /tenants/],
    ['a tenant that is no GUID', { template: 'https://a.test/{tenantid}', tenants: ['contoso'] }, /GUID/],
    ['tenants beside resolve', { resolve: () => undefined, tenants: 'any' }, /template/],
    ['an unknown option', { resolve: () => undefined, jwksUrl: 'x' }, /issuer.jwksUrl/],
    ['a zero cap', { resolve: () => undefined, maxIssuers: 0 }, /issuer.maxIssuers/],
    ['a fractional cache size', { resolve: () => undefined, cacheMax: 1.5 }, /issuer.cacheMax/],
    ['a negative ttl', { resolve: () => undefined, cacheTtl: -1 }, /issuer.cacheTtl/],
    ['a resolve that is no function', { resolve: 'yes' }, /issuer.resolve/],
    ['a bad default profile', { resolve: () => undefined, profile: 'okta2' }, /issuer.profile/],
    [
      'a template whose algorithms widen jwt.algorithms',
      { template: 'https://a.test/{tenantid}', tenants: 'any', algorithms: ['PS256'] },
      /subset/,
    ],
    [
      'a template whose key set URL is http off loopback',
      { template: 'https://a.test/{tenantid}', tenants: 'any', jwksUri: 'http://a.test/{tenantid}/keys' },
      /https/,
    ],
  ])('%s is a TypeError naming the option', (_name, issuer, message) => {
    expect(() => validator(issuer as never)).toThrow(TypeError)
    expect(() => validator(issuer as never)).toThrow(message)
  })

  it('does not combine with introspection or a shared secret', () => {
    const introspection = { endpoint: `${base}/introspect`, clientId: 'api', clientSecret: 's' }
    expect(() => validator(() => undefined, { introspection })).toThrow(/introspection/)
    const secret = { algorithms: ['HS256'], secret: 'x'.repeat(32) }
    expect(() => validator(() => undefined, { jwt: secret })).toThrow(/jwt.secret/)
  })
})

describe('issuer resolver: trust', () => {
  it('accepts an approved issuer with the config it returns, and refuses the others without a fetch', async () => {
    const asked: string[] = []
    const tokens = validator((iss) => {
      asked.push(iss)
      return iss === 'https://good.test/' ? local : undefined
    })
    const auth = await tokens.verify(await token('https://good.test/'))
    expect(auth.issuer).toBe('https://good.test/')
    await expect(refusal(tokens.verify(await token(`${base}/evil`)))).resolves.toEqual({
      status: 401,
      reason: 'unknown_issuer',
    })
    expect(asked).toEqual(['https://good.test/', `${base}/evil`])
    expect(totalHits()).toBe(0)
  })

  it('discovers the keys of an approved loopback issuer, and only of that one', async () => {
    const tokens = validator((iss) => (iss === `${base}/tenant-a` ? {} : undefined))
    await tokens.verify(await token(`${base}/tenant-a`))
    await expect(refusal(tokens.verify(await token(`${base}/tenant-b`)))).resolves.toMatchObject({
      reason: 'unknown_issuer',
    })
    expect([...hits.keys()].sort()).toEqual([
      '/.well-known/oauth-authorization-server/tenant-a',
      '/tenant-a/.well-known/openid-configuration',
      '/tenant-a/jwks',
    ])
    expect([...hits.keys()].some((path) => path.includes('tenant-b'))).toBe(false)
  })

  it('is never asked before the shape, the algorithm and the issuer URL pass', async () => {
    const resolve = jest.fn(() => local)
    const tokens = validator(resolve)
    const good = await token('https://good.test/')
    const cases = [
      'not-a-token',
      withSegment(good, 0, { alg: 'none' }),
      withSegment(good, 0, { alg: 'HS256', kid: rsa.kid, typ: 'at+jwt' }),
      await token('http://plain.example/'),
      await token('https://a.test/?x=1'),
      await token('https://user@a.test/'),
      await token(`https://a.test/${'x'.repeat(3000)}`),
      await token('urn:not-a-url'),
    ]
    for (const bad of cases) await expect(tokens.verify(bad)).rejects.toMatchObject({ status: 401 })
    expect(resolve).not.toHaveBeenCalled()
  })

  it('applies per-issuer audience, profile and narrowed algorithms', async () => {
    const tokens = validator((iss) =>
      iss === 'https://es.test/'
        ? { ...local, algorithms: ['ES256'], audience: 'https://es-api.test' }
        : iss === 'https://okta.test'
          ? { ...local, profile: 'okta' }
          : undefined,
    )
    await tokens.verify(await token('https://es.test/', ec, { aud: 'https://es-api.test' }))
    await expect(
      refusal(tokens.verify(await token('https://es.test/', rsa, { aud: 'https://es-api.test' }))),
    ).resolves.toEqual({ status: 401, reason: 'algorithm_not_allowed' })
    await expect(refusal(tokens.verify(await token('https://es.test/', ec)))).resolves.toMatchObject({
      reason: 'wrong_audience',
    })
    const okta = await accessToken(
      rsa,
      { iss: 'https://okta.test', cid: 'app', scp: ['a'], scope: undefined },
      { typ: undefined },
    )
    expect((await tokens.verify(okta)).scopes).toEqual(['a'])
  })

  it('remembers decisions (trusted and refused) for cacheTtl, asking once for concurrent tokens', async () => {
    const resolve = jest.fn(async (iss: string) => (iss === 'https://good.test/' ? local : undefined))
    const tokens = validator({ resolve, cacheTtl: 60 })
    const good = await Promise.all([1, 2, 3].map((n) => token('https://good.test/', rsa, { jti: `j${n}` })))
    await Promise.all(good.map((t) => tokens.verify(t)))
    await expect(tokens.verify(await token('https://bad.test/'))).rejects.toMatchObject({ status: 401 })
    await expect(tokens.verify(await token('https://bad.test/', rsa, { jti: 'x' }))).rejects.toMatchObject({
      status: 401,
    })
    expect(resolve).toHaveBeenCalledTimes(2)
    clock += 61_000
    await tokens.verify(await token('https://good.test/', rsa, { jti: 'later', iat: NOW + 61 }))
    expect(resolve).toHaveBeenCalledTimes(3)
  })
})

describe('issuer resolver: faults answer 503, never 500 or 401', () => {
  it.each<[string, () => unknown]>([
    [
      'throws',
      () => {
        throw new Error('database down')
      },
    ],
    ['rejects', () => Promise.reject(new Error('database down'))],
    ['returns a string', () => 'yes'],
    ['returns an unknown option', () => ({ ...local, jwksUrl: 'x' })],
    ['returns a widened algorithm list', () => ({ ...local, algorithms: ['HS256'] })],
    ['returns an http key set URL off loopback', () => ({ jwksUri: 'http://keys.example/jwks' })],
    ['returns a private key', () => ({ jwks: { keys: [{ ...rsa.publicJwk, d: 'x' }] } })],
    ['returns a bad profile', () => ({ ...local, profile: 'nope' })],
  ])('a resolver that %s', async (_name, resolve) => {
    const tokens = validator(resolve as never)
    await expect(refusal(tokens.verify(await token('https://good.test/')))).resolves.toEqual({
      status: 503,
      reason: 'issuer_unavailable',
    })
    expect(totalHits()).toBe(0)
    // A fault is not remembered: the next token asks again.
    await expect(tokens.verify(await token('https://good.test/'))).rejects.toMatchObject({ status: 503 })
  })

  it("what went wrong is the error's cause, and the rejected event says issuer_unavailable", async () => {
    const tokens = validator(() => {
      throw new Error('database down')
    })
    const error = await tokens.verify(await token('https://good.test/')).catch((e: TokenError) => e)
    expect((error as TokenError).cause).toMatchObject({ message: 'database down' })
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'rejected', reason: 'issuer_unavailable', status: 503 }),
    )
  })

  it('a resolver that hangs is cut off at its timeout', async () => {
    const tokens = validator({ resolve: () => new Promise(() => {}), timeout: 100 })
    const started = performance.now()
    await expect(refusal(tokens.verify(await token('https://good.test/')))).resolves.toEqual({
      status: 503,
      reason: 'issuer_unavailable',
    })
    expect(performance.now() - started).toBeLessThan(1000)
  })
})

describe('issuer resolver: the cap on distinct issuers', () => {
  it('refuses a new issuer with 503 issuer_limit and no fetch while every slot is in use', async () => {
    const tokens = validator({ resolve: () => ({}), maxIssuers: 2, cacheTtl: 60 })
    await tokens.verify(await token(`${base}/one`))
    await tokens.verify(await token(`${base}/two`))
    const before = totalHits()
    const error = await tokens.verify(await token(`${base}/three`)).catch((e: TokenError) => e)
    expect(error).toMatchObject({ status: 503, reason: 'issuer_limit' })
    expect(Number((error as TokenError).headers['Retry-After'])).toBeGreaterThan(0)
    expect(totalHits()).toBe(before)
    // The issuers that hold a slot keep working.
    await tokens.verify(await token(`${base}/one`, rsa, { jti: 'again' }))
    // Once a slot has been idle for cacheTtl it is freed for the next issuer.
    clock += 61_000
    await tokens.verify(await token(`${base}/three`, rsa, { iat: NOW + 61 }))
    expect(hits.get('/three/jwks')).toBe(1)
  })

  it('a key set that never loaded holds its slot only for the cooldown', async () => {
    const tokens = createValidator({
      issuer: { resolve: () => ({}), maxIssuers: 1, cacheTtl: 600 },
      audience: AUDIENCE,
      now: () => clock,
      jwt: { algorithms: ['RS256'], keySet: { cooldown: 5 } },
    })
    await expect(refusal(tokens.verify(await token(`${base}/missing`)))).resolves.toEqual({
      status: 503,
      reason: 'keys_unavailable',
    })
    await expect(refusal(tokens.verify(await token(`${base}/one`)))).resolves.toEqual({
      status: 503,
      reason: 'issuer_limit',
    })
    clock += 6_000
    await tokens.verify(await token(`${base}/one`, rsa, { iat: NOW + 6 }))
  })

  it("an issuer's own key source wins over the validator-wide one", async () => {
    const other = await signingKey('RS256', 'other-key')
    const tokens = createValidator({
      issuer: (iss) => (iss === 'https://own.test/' ? { jwksUri: `${base}/own/jwks` } : {}),
      audience: AUDIENCE,
      now: () => clock,
      jwt: { algorithms: ['RS256'], jwks: { keys: [other.publicJwk] } },
    })
    await tokens.verify(await token('https://own.test/'))
    expect(hits.get('/own/jwks')).toBe(1)
    await tokens.verify(await token('https://shared.test/', other))
    await expect(refusal(tokens.verify(await token('https://shared.test/')))).resolves.toMatchObject({
      reason: 'unknown_key',
    })
    expect(totalHits()).toBe(1)
  })

  it('issuers that share a key set URL share one slot', async () => {
    const tokens = validator({ resolve: () => ({ jwksUri: `${base}/shared/jwks` }), maxIssuers: 1 })
    await tokens.verify(await token('https://a.test/'))
    await tokens.verify(await token('https://b.test/'))
    expect(hits.get('/shared/jwks')).toBe(1)
  })
})

describe('issuer resolver: templates', () => {
  const tenantA = '11111111-1111-4111-8111-111111111111'
  const tenantB = '22222222-2222-4222-8222-222222222222'
  const entra = (tenant: string, key: SigningKey = rsa) =>
    accessToken(
      key,
      {
        iss: `https://login.microsoftonline.com/${tenant}/v2.0`,
        tid: tenant,
        azp: 'client',
        client_id: undefined,
        jti: undefined,
      },
      { typ: 'JWT' },
    )

  it('trusts the listed tenants, each with its own key set, and refuses the rest without a fetch', async () => {
    const tokens = validator({
      template: 'https://login.microsoftonline.com/{tenantid}/v2.0',
      tenants: [tenantA, tenantB.toUpperCase()],
      profile: 'entra',
      jwksUri: `${base}/{tenantid}/jwks`,
    })
    expect((await tokens.verify(await entra(tenantA))).issuer).toContain(tenantA)
    await tokens.verify(await entra(tenantB))
    expect(hits.get(`/${tenantA}/jwks`)).toBe(1)
    expect(hits.get(`/${tenantB}/jwks`)).toBe(1)
    const stranger = '33333333-3333-4333-8333-333333333333'
    await expect(refusal(tokens.verify(await entra(stranger)))).resolves.toMatchObject({
      reason: 'unknown_issuer',
    })
    // The entra profile still ties `tid` to the tenant in the issuer.
    const mixed = await accessToken(
      rsa,
      {
        iss: `https://login.microsoftonline.com/${tenantA}/v2.0`,
        tid: tenantB,
        azp: 'c',
        client_id: undefined,
      },
      { typ: 'JWT' },
    )
    await expect(refusal(tokens.verify(mixed))).resolves.toMatchObject({ reason: 'invalid_claim' })
    expect(totalHits()).toBe(2)
  })

  it('ready() loads the key sets of the listed tenants, so the first tokens fetch nothing', async () => {
    const tokens = validator({
      template: 'https://login.microsoftonline.com/{tenantid}/v2.0',
      tenants: [tenantA, tenantB],
      profile: 'entra',
      jwksUri: `${base}/{tenantid}/jwks`,
    })
    await tokens.ready()
    expect(hits.get(`/${tenantA}/jwks`)).toBe(1)
    expect(hits.get(`/${tenantB}/jwks`)).toBe(1)
    await tokens.verify(await entra(tenantA))
    await tokens.verify(await entra(tenantB))
    expect(totalHits()).toBe(2)
  })

  it("'any' admits every GUID tenant but no other shape", async () => {
    const tokens = validator({
      template: 'https://login.microsoftonline.com/{tenantid}/v2.0',
      tenants: 'any',
      profile: 'entra',
      ...local,
    })
    await tokens.verify(await entra('44444444-4444-4444-8444-444444444444'))
    for (const tenant of ['common', 'organizations', '44444444-4444-4444-8444-44444444444', 'x/../y']) {
      await expect(refusal(tokens.verify(await entra(tenant)))).resolves.toMatchObject({
        reason: 'unknown_issuer',
      })
    }
  })
})

describe('issuer resolver: revocation', () => {
  it('revokes by token, by jti and by subject, naming the issuer where nothing is listed', async () => {
    const tokens = validator((iss) => (iss.startsWith('https://tenant-') ? local : undefined))
    const sensitive = { sensitive: true }
    const byToken = await token('https://tenant-a.test/', rsa, { jti: 'by-token' })
    await tokens.verify(byToken, sensitive)
    await tokens.revoke(byToken)
    await expect(refusal(tokens.verify(byToken, sensitive))).resolves.toMatchObject({ reason: 'revoked' })

    const byId = await token('https://tenant-a.test/', rsa, { jti: 'by-id' })
    await expect(tokens.revoke({ jti: 'by-id', exp: NOW + 300 })).rejects.toThrow(/iss/)
    await tokens.revoke({ jti: 'by-id', iss: 'https://tenant-a.test/', exp: NOW + 300 })
    await expect(refusal(tokens.verify(byId, sensitive))).resolves.toMatchObject({ reason: 'revoked' })

    const bySubject = await token('https://tenant-b.test/', rsa, { jti: 'by-sub', sub: 'mallory' })
    // Without a list, "every issuer" would revoke nothing: the issuer must be named.
    await expect(tokens.revokeSubject('mallory')).rejects.toThrow(TypeError)
    await tokens.revokeSubject('mallory', { issuer: 'https://tenant-b.test/', issuedBefore: NOW + 1 })
    await expect(refusal(tokens.verify(bySubject, sensitive))).resolves.toMatchObject({ reason: 'revoked' })
    await tokens.close()
  })
})
