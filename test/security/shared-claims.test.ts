import { MemoryStore, createValidator, type AuthContext, type Validator } from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM, type RunningApp } from '@tokenguard/conformance'
import { Agent } from 'undici'
import { HARNESSES, attack, bearer } from './src/attack'
import { genuine, nowSeconds, rsaKey } from './src/forge'
import { createTestIssuer, introspectionOf, opaqueAnswering, type TestIssuer } from './src/issuer'

// One token's auth context is shared by every request that hits a cache (verified-token cache,
// introspection cache, shared store tier). A handler that changes it would change what the next
// request sees, so it is deeply frozen on every strategy; and it never serialises its raw token.
const rsa = rsaKey('rsa-main')
const jwks = { keys: [rsa.jwk] as never[] }
const nested = () => ({ realm_access: { roles: ['user'] }, resource_access: { api: { roles: ['read'] } } })
const jwtToken = () => genuine(rsa, 'RS256', {}, nested())

let as: TestIssuer
let dispatcher: Agent
beforeAll(async () => {
  as = await createTestIssuer()
  dispatcher = new Agent()
})
const built: Validator[] = []
afterAll(async () => {
  await Promise.all(built.map((v) => v.close()))
  await dispatcher?.close()
  await as?.close()
})

const activeToken = () =>
  opaqueAnswering(as, {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'bob',
    scope: 'items:read',
    exp: nowSeconds() + 600,
    ...nested(),
  })

function validator(store?: MemoryStore): Validator {
  const v = createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    realm: REALM,
    jwt: { algorithms: ['RS256'], jwks },
    introspection: introspectionOf(as),
    dispatcher,
    store,
  })
  built.push(v)
  return v
}

/** Every way a handler could try to change what it was given; each must throw (modules are strict). */
function tamper(auth: AuthContext): string[] {
  const writes: Array<[string, () => void]> = [
    ['a nested array', () => (auth.claims.realm_access as { roles: string[] }).roles.push('admin')],
    ['a nested member', () => ((auth.claims.realm_access as { roles: string[] }).roles = ['admin'])],
    [
      'a deeper member',
      () => ((auth.claims.resource_access as { api: { roles: string[] } }).api.roles[0] = 'admin'),
    ],
    ['a claim', () => ((auth.claims as { sub: string }).sub = 'mallory')],
    ['a new claim', () => ((auth.claims as Record<string, unknown>).admin = true)],
    ['scopes', () => (auth.scopes as string[]).push('admin')],
    ['a field', () => ((auth as { subject: string }).subject = 'mallory')],
    ['the strategy', () => ((auth as { strategy: string }).strategy = 'opaque')],
    ['the token', () => ((auth as { token: string }).token = 'x')],
  ]
  return writes
    .filter(([, write]) => {
      try {
        write()
        return true
      } catch (error) {
        if (!(error instanceof TypeError)) throw error
        return false
      }
    })
    .map(([name]) => name)
}

function expectUnchanged(auth: AuthContext): void {
  expect(auth.claims.realm_access).toEqual({ roles: ['user'] })
  expect(auth.claims.resource_access).toEqual({ api: { roles: ['read'] } })
  expect(auth.claims.admin).toBeUndefined()
  expect(auth.scopes).toEqual(['items:read'])
  expect(auth.subject).toBe(auth.claims.sub)
}

describe('auth contexts are deeply immutable on every strategy and cache tier', () => {
  type Case = [name: string, run: () => Promise<AuthContext[]>]
  const cases: Case[] = [
    [
      'jwt: fresh, then verified-token cache hits',
      async () => {
        const v = validator()
        const token = jwtToken()
        return [await v.verify(token), await v.verify(token), await v.verify(token)]
      },
    ],
    [
      'jwt on a sensitive route (denylist checked)',
      async () => {
        const v = validator()
        const token = jwtToken()
        const route = { strategy: 'jwt', sensitive: true } as const
        return [await v.verify(token, route), await v.verify(token, route)]
      },
    ],
    [
      'opaque: fresh, then introspection cache hits',
      async () => {
        const v = validator()
        const token = activeToken()
        const route = { strategy: 'opaque' } as const
        return [await v.verify(token, route), await v.verify(token, route), await v.verify(token, route)]
      },
    ],
    [
      'opaque on a sensitive route (always introspected)',
      async () => {
        const v = validator()
        const token = activeToken()
        const route = { strategy: 'opaque', sensitive: true } as const
        return [await v.verify(token, route), await v.verify(token, route)]
      },
    ],
    [
      'hybrid: a JWT and an opaque token',
      async () => {
        const v = validator()
        const token = activeToken()
        const jwt = jwtToken()
        const route = { strategy: 'hybrid' } as const
        return [
          await v.verify(jwt, route),
          await v.verify(jwt, route),
          await v.verify(token, route),
          await v.verify(token, route),
        ]
      },
    ],
    [
      'opaque: a hit in the shared store tier (another instance introspected it)',
      async () => {
        const store = new MemoryStore()
        const token = activeToken()
        const route = { strategy: 'opaque' } as const
        const first = await validator(store).verify(token, route)
        const before = as.introspectionsOf(token)
        const second = await validator(store).verify(token, route)
        expect(as.introspectionsOf(token)).toBe(before) // answered by the shared tier
        return [first, second]
      },
    ],
  ]

  it.each(cases)('%s', async (_name, run) => {
    const contexts = await run()
    for (const auth of contexts) {
      expect(tamper(auth)).toEqual([])
      expectUnchanged(auth)
    }
  })

  it.each<[string, 'jwt' | 'opaque']>([
    ['a JWT', 'jwt'],
    ['an introspection answer', 'opaque'],
  ])(
    '%s nested past 64 levels is refused (401), not frozen half-way or answered 503',
    async (_name, kind) => {
      const deep = JSON.parse(`${'['.repeat(80)}${']'.repeat(80)}`) as unknown
      const v = validator()
      let token: string
      if (kind === 'jwt') {
        token = genuine(rsa, 'RS256', {}, { deep })
      } else {
        token = opaqueAnswering(as, { iss: ISSUER, aud: AUDIENCE, sub: 'bob', exp: nowSeconds() + 600, deep })
      }
      for (let i = 0; i < 2; i++) {
        await expect(v.verify(token, { strategy: kind })).rejects.toMatchObject({
          status: 401,
          code: 'invalid_token',
          reason: 'invalid_claim',
        })
      }
    },
  )

  it('a hit shares the claims frozen when the entry was cached (no copy of them per hit)', async () => {
    const v = validator()
    const token = jwtToken()
    const first = await v.verify(token)
    const hit = await v.verify(token)
    // The entry keeps no raw token: each hit is a frozen shell over the same frozen fields,
    // carrying the token presented.
    expect(hit.claims).toBe(first.claims)
    expect(hit.scopes).toBe(first.scopes)
    expect(hit.roles).toBe(first.roles)
    expect(Object.isFrozen(hit)).toBe(true)
    expect(hit.token).toBe(token)
    expect(hit).toEqual(first)
  })
})

describe.each(HARNESSES)('$name: the auth context never serialises its token', (harness) => {
  let app: RunningApp
  let v: Validator
  beforeAll(async () => {
    v = validator()
    // The harness handler answers `res.json({ auth: req.auth })`, as a quick start would.
    app = await harness.start(v, [
      { path: '/jwt', method: 'GET', route: { strategy: 'jwt' } },
      { path: '/opaque', method: 'GET', route: { strategy: 'opaque' } },
      { path: '/hybrid', method: 'GET', route: { strategy: 'hybrid' } },
    ])
  })
  afterAll(async () => {
    await app?.close()
    await v?.close()
  })

  it.each<[string, string, () => string]>([
    ['a JWT', '/jwt', jwtToken],
    [
      'an opaque token',
      '/opaque',
      () => {
        const token = activeToken()
        return token
      },
    ],
    ['a JWT on a hybrid route', '/hybrid', jwtToken],
  ])('%s: res.json(req.auth) carries no token, twice (fresh and cached)', async (_name, path, make) => {
    const token = make()
    for (let i = 0; i < 2; i++) {
      const answer = await attack(app.url, path, { headers: bearer(token) })
      expect(answer.status).toBe(200)
      const auth = (answer.json as { auth: Record<string, unknown> }).auth
      expect(auth).not.toHaveProperty('token')
      expect(auth).toMatchObject({ claims: { realm_access: { roles: ['user'] } }, scopes: ['items:read'] })
      expect(answer.text).not.toContain(token)
      for (const part of token.split('.')) expect(answer.text).not.toContain(part.slice(0, 24))
    }
  })
})
