// The issuer against @tokenguard/core's validator directly: discovery, key rotation, client auth methods.
import { createValidator, type Validator } from '@tokenguard/core'
import { createTestIssuer, type TestIssuer } from '../src/index'

let issuer: TestIssuer
const validators: Validator[] = []

beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(async () => {
  await Promise.all(validators.map((validator) => validator.close()))
  await issuer.close()
})

function validator(
  extra: (options: ReturnType<TestIssuer['validatorOptions']>) => Parameters<typeof createValidator>[0] = (
    o,
  ) => o,
): Validator {
  const created = createValidator(extra(issuer.validatorOptions()))
  validators.push(created)
  return created
}

const get = (token: string) => ({ method: 'GET', url: '/', headers: { authorization: `Bearer ${token}` } })

describe('with the core validator', () => {
  it('discovers the metadata, fetches the JWKS once and accepts every algorithm', async () => {
    issuer.resetStats()
    const check = validator().route({ strategy: 'jwt' })
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const auth = await check(get(await issuer.jwt({ alg, sub: 'alice', scope: 'a b' })))
      expect(auth).toMatchObject({
        subject: 'alice',
        scopes: ['a', 'b'],
        issuer: issuer.url,
        clientId: 'test-client',
      })
    }
    expect(issuer.stats).toMatchObject({ metadataFetches: 1, jwksFetches: 1 })
  })

  it.each(['client_secret_basic', 'client_secret_post'] as const)(
    'introspects with %s',
    async (clientAuth) => {
      const check = validator((o) => ({ ...o, introspection: { ...o.introspection, clientAuth } })).route({
        strategy: 'opaque',
      })
      const before = issuer.stats.introspections
      await expect(check(get(issuer.opaque({ sub: 'bob' })))).resolves.toMatchObject({
        subject: 'bob',
        strategy: 'opaque',
      })
      expect(issuer.stats.introspections).toBe(before + 1)
    },
  )

  it('answers 503 (not 401) when its own client secret is wrong', async () => {
    const check = validator((o) => ({
      ...o,
      introspection: { ...o.introspection, clientSecret: 'wrong' },
    })).route({
      strategy: 'opaque',
    })
    await expect(check(get(issuer.opaque()))).rejects.toMatchObject({ status: 503 })
  })

  it('picks up rotated keys on an unknown kid (keySet.cooldown 0 for tests)', async () => {
    const check = validator((o) => ({ ...o, jwt: { ...o.jwt, keySet: { cooldown: 0 } } })).route({
      strategy: 'jwt',
    })
    await expect(check(get(await issuer.jwt()))).resolves.toBeDefined()
    const fetches = issuer.stats.jwksFetches
    await issuer.rotateKeys({ keepOld: false })
    await expect(check(get(await issuer.jwt()))).resolves.toBeDefined()
    expect(issuer.stats.jwksFetches).toBe(fetches + 1)
  })

  it('refuses wrong audience, expired, and foreign-issuer tokens with 401', async () => {
    const check = validator().route({ strategy: 'hybrid' })
    for (const token of [
      await issuer.jwt({ aud: 'https://other.test' }),
      await issuer.jwt({ expiresIn: -60 }),
      await issuer.jwt({ claims: { iss: 'https://elsewhere.test' } }),
      await issuer.jwt({ header: { typ: 'JWT' } }),
      issuer.opaque({ aud: 'https://other.test' }),
      issuer.opaque({ expiresIn: -1 }),
    ]) {
      await expect(check(get(token))).rejects.toMatchObject({ status: 401, code: 'invalid_token' })
    }
  })

  it('sees a revoked JWT on a sensitive route that introspects JWTs', async () => {
    const check = validator().route({ strategy: 'jwt', sensitive: true, introspectJwt: true })
    const token = await issuer.jwt()
    await expect(check(get(token))).resolves.toBeDefined()
    issuer.revoke(token)
    await expect(check(get(token))).rejects.toMatchObject({ status: 401 })
  })
})

describe('faults, as the core validator sees them', () => {
  afterEach(() => issuer.clearFaults())

  it('an introspection outage is a 503 with Retry-After, and the token passes once it is over', async () => {
    const check = validator().route({ strategy: 'opaque', sensitive: true })
    const token = issuer.opaque({ sub: 'bob' })
    issuer.setFault('introspection', { status: 503, body: { error: 'temporarily_unavailable' } })
    await expect(check(get(token))).rejects.toMatchObject({ status: 503, retryAfter: expect.any(Number) })
    issuer.setFault('introspection', undefined)
    await expect(check(get(token))).resolves.toMatchObject({ subject: 'bob' })
    expect(issuer.introspectionsOf(token)).toBe(2)
  })

  it('a key set slower than keySet.timeout is a 503, a one-off fault is over on the next fetch', async () => {
    const check = validator((o) => ({
      ...o,
      jwt: { ...o.jwt, keySet: { timeout: 100, cooldown: 0 } },
    })).route({
      strategy: 'jwt',
    })
    issuer.setFault('jwks', { delayMs: 1000, times: 1 })
    const token = await issuer.jwt()
    await expect(check(get(token))).rejects.toMatchObject({ status: 503 })
    await expect(check(get(token))).resolves.toBeDefined()
  })
})
