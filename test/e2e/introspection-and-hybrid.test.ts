/**
 * JWT, opaque and hybrid routes through the Express adapter over real HTTP, against a real
 * oidc-provider: strategy selection, cross-strategy refusals, audience checks on both paths,
 * scope guards and introspection request coalescing. Every validator here finds `jwks_uri` and
 * `introspection_endpoint` through the provider's metadata (no endpoint is configured), except
 * the one behind the slowing proxy.
 */
import { decodeJwt } from 'jose'
import { createValidator, requireScopes, requireToken, type Validator } from '@tokenguard/express'
import {
  API_CLIENT,
  JWT_RESOURCE,
  OPAQUE_RESOURCE,
  startAuthServer,
  startTcpProxy,
  type AuthServer,
} from '@tokenguard/test-support'
import {
  bearer,
  eventRecorder,
  insufficientScopeChallenge,
  invalidTokenChallenge,
  report,
  startApi,
  type Api,
} from './helpers'

jest.setTimeout(20_000)

const OTHER_JWT_RESOURCE = 'https://other.example.test/jwt'
const OTHER_OPAQUE_RESOURCE = 'https://other.example.test/opaque'
const REALM = JWT_RESOURCE // default realm: the first audience

const suiteStarted = performance.now()
const numbers: Record<string, string | number | undefined> = {}

let as: AuthServer
let validator: Validator
let jwtOnlyAudience: Validator
let api: Api
const recorder = eventRecorder()
const jwtOnlyRecorder = eventRecorder()

beforeAll(async () => {
  as = await startAuthServer({
    resources: {
      [OTHER_JWT_RESOURCE]: { format: 'jwt' },
      [OTHER_OPAQUE_RESOURCE]: { format: 'opaque' },
    },
  })
  validator = createValidator({
    issuer: as.issuer,
    audience: [JWT_RESOURCE, OPAQUE_RESOURCE],
    jwt: { algorithms: ['RS256'] },
    // No endpoint: introspection_endpoint comes from the provider's RFC 8414 metadata.
    introspection: { clientId: API_CLIENT.id, clientSecret: API_CLIENT.secret },
    onEvent: recorder.listener,
  })
  jwtOnlyAudience = createValidator({
    issuer: as.issuer,
    audience: JWT_RESOURCE,
    jwt: { algorithms: ['RS256'] },
    introspection: { clientId: API_CLIENT.id, clientSecret: API_CLIENT.secret },
    onEvent: jwtOnlyRecorder.listener,
  })
  api = await startApi([
    ['/jwt', requireToken(validator, { strategy: 'jwt' })],
    ['/opaque', requireToken(validator, { strategy: 'opaque' })],
    ['/hybrid', requireToken(validator, { strategy: 'hybrid' })],
    ['/write', requireToken(validator, { strategy: 'hybrid' }), requireScopes('items:write')],
    ['/jwt-aud-only/jwt', requireToken(jwtOnlyAudience, { strategy: 'jwt' })],
    ['/jwt-aud-only/opaque', requireToken(jwtOnlyAudience, { strategy: 'opaque' })],
  ])
})

afterAll(async () => {
  await api?.close()
  await validator?.close()
  await jwtOnlyAudience?.close()
  await as?.stop()
  numbers.suiteMs = Math.round(performance.now() - suiteStarted)
  report('introspection-and-hybrid', numbers)
})

/** What the API must echo for a token of `strategy` granted `scope`, expiring at `exp`. */
function expectedAuth(strategy: 'jwt' | 'opaque', scope: string, exp: number) {
  return { strategy, scopes: scope.split(' '), clientId: 'client', issuer: as.issuer, expiresAt: exp }
}

describe('accepted tokens (metadata discovery, no endpoint configured)', () => {
  test('a JWT is accepted on the jwt route and on the hybrid route', async () => {
    const token = await as.getToken('jwt', 'items:read profile:read')
    const { exp } = decodeJwt(token)
    const expected = expectedAuth('jwt', 'items:read profile:read', exp!)

    const onJwt = await api.http.get('/jwt').set(bearer(token))
    expect(onJwt.status).toBe(200)
    expect(onJwt.body).toEqual(expected)

    const onHybrid = await api.http.get('/hybrid').set(bearer(token))
    expect(onHybrid.status).toBe(200)
    expect(onHybrid.body).toEqual(expected)

    // The key set came from jwks_uri found in the issuer's RFC 8414 document.
    const metadata = recorder.ofType('metadata_fetch')
    expect(metadata[0]).toMatchObject({ url: as.metadataUrl, outcome: 'ok' })
    expect(recorder.ofType('keys_fetch')[0]).toMatchObject({ url: as.jwksUri, outcome: 'ok', keys: 1 })
  })

  test('an opaque token is accepted on the opaque route and on the hybrid route', async () => {
    const issuedAt = Math.floor(Date.now() / 1000)
    const response = await as.getTokenResponse('opaque', 'items:read items:write')
    const token = response.access_token
    expect(token.split('.')).toHaveLength(1)

    const onOpaque = await api.http.get('/opaque').set(bearer(token))
    expect(onOpaque.status).toBe(200)
    const { expiresAt, ...rest } = onOpaque.body as { expiresAt: number }
    expect(rest).toEqual({
      strategy: 'opaque',
      scopes: ['items:read', 'items:write'],
      clientId: 'client',
      issuer: as.issuer,
    })
    // exp from the introspection answer: issue time + expires_in (whole seconds, small slack)
    expect(Math.abs(expiresAt - (issuedAt + response.expires_in))).toBeLessThanOrEqual(2)

    const onHybrid = await api.http.get('/hybrid').set(bearer(token))
    expect(onHybrid.status).toBe(200)
    expect(onHybrid.body).toEqual(onOpaque.body)

    // The introspection endpoint was never configured: it came from the same metadata document.
    const introspections = recorder.ofType('introspection').filter((e) => !e.coalesced)
    expect(introspections.length).toBeGreaterThanOrEqual(1)
    expect(introspections.every((e) => e.outcome === 'active')).toBe(true)
  })
})

describe('cross-strategy refusals', () => {
  test('a JWT on an opaque-only route: 401 invalid_token, exact challenge, no introspection call', async () => {
    const token = await as.getToken('jwt')
    recorder.clear()
    const res = await api.http.get('/opaque').set(bearer(token))
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe(invalidTokenChallenge(REALM))
    expect(res.body).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' })
    expect(recorder.ofType('rejected')).toEqual([
      expect.objectContaining({ reason: 'wrong_strategy', status: 401, strategy: 'opaque' }),
    ])
    expect(recorder.ofType('introspection')).toEqual([])
  })

  test('an opaque token on a jwt-only route: 401 invalid_token, exact challenge', async () => {
    const token = await as.getToken('opaque')
    recorder.clear()
    const res = await api.http.get('/jwt').set(bearer(token))
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe(invalidTokenChallenge(REALM))
    expect(res.body).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' })
    expect(recorder.ofType('rejected')).toEqual([
      expect.objectContaining({ reason: 'wrong_strategy', status: 401, strategy: 'jwt' }),
    ])
    expect(recorder.ofType('introspection')).toEqual([])
  })
})

describe('wrong audience', () => {
  test.each([
    ['a JWT', '/jwt', OTHER_JWT_RESOURCE],
    ['a JWT', '/hybrid', OTHER_JWT_RESOURCE],
    ['an opaque token', '/opaque', OTHER_OPAQUE_RESOURCE],
    ['an opaque token', '/hybrid', OTHER_OPAQUE_RESOURCE],
  ] as const)('%s on %s minted for %s: 401 invalid_token', async (_name, path, resource) => {
    const token = await as.getToken(resource)
    recorder.clear()
    const res = await api.http.get(path).set(bearer(token))
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe(invalidTokenChallenge(REALM))
    expect(recorder.ofType('rejected')).toEqual([
      expect.objectContaining({ reason: 'wrong_audience', status: 401 }),
    ])
  })

  test('a validator whose audience is only the jwt resource refuses an opaque-resource token, takes its JWT', async () => {
    const opaque = await as.getToken('opaque')
    const res = await api.http.get('/jwt-aud-only/opaque').set(bearer(opaque))
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe(invalidTokenChallenge(JWT_RESOURCE))
    expect(jwtOnlyRecorder.ofType('rejected')).toEqual([
      expect.objectContaining({ reason: 'wrong_audience', status: 401, strategy: 'opaque' }),
    ])
    // The provider itself says the token is active: the refusal is the API's own aud check.
    expect(await as.introspect(opaque)).toMatchObject({ active: true, aud: OPAQUE_RESOURCE })

    const jwt = await as.getToken('jwt')
    expect((await api.http.get('/jwt-aud-only/jwt').set(bearer(jwt))).status).toBe(200)
  })
})

describe('scopes', () => {
  test.each(['jwt', 'opaque'] as const)(
    'requireScopes("items:write"), %s token lacking it: 403 insufficient_scope',
    async (format) => {
      const token = await as.getToken(format, 'items:read')
      const res = await api.http.get('/write').set(bearer(token))
      expect(res.status).toBe(403)
      expect(res.headers['www-authenticate']).toBe(insufficientScopeChallenge(REALM, 'items:write'))
      expect(res.body).toEqual({
        error: 'insufficient_scope',
        error_description: 'The access token lacks a required scope',
      })

      const granted = await as.getToken(format, 'items:read items:write')
      const ok = await api.http.get('/write').set(bearer(granted))
      expect(ok.status).toBe(200)
      expect(ok.body.scopes).toEqual(['items:read', 'items:write'])
    },
  )
})

describe('introspection request coalescing', () => {
  test('20 concurrent requests with one new opaque token: exactly 1 introspection call to the provider', async () => {
    const token = await as.getToken('opaque', 'items:read')
    recorder.clear()
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => api.http.get('/opaque').set(bearer(token))),
    )
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200))

    const calls = recorder.ofType('introspection')
    const real = calls.filter((e) => !e.coalesced)
    const joined = calls.filter((e) => e.coalesced)
    const cacheHits = recorder.ofType('cache_hit').filter((e) => e.cache === 'introspection')
    expect(real).toHaveLength(1)
    // Every other request either joined that call or was answered from its cached result.
    expect(joined.length + cacheHits.length).toBe(19)
    numbers.coalescingRealCalls = real.length
    numbers.coalescingJoined = joined.length
    numbers.coalescingCacheHits = cacheHits.length
  })

  test('with the provider slowed by 300 ms, all 20 requests share the one call (none served from cache)', async () => {
    // The shared TCP proxy delays every chunk 300 ms on its way to and from the provider: the 20
    // requests surely overlap the one introspection, so this proves coalescing rather than caching.
    const proxy = await startTcpProxy(as.port)
    proxy.setMode('latency', { latencyMs: 300 })
    const proxyUrl = `http://127.0.0.1:${proxy.port}`
    const slowRecorder = eventRecorder()
    const slow = createValidator({
      issuer: as.issuer,
      audience: OPAQUE_RESOURCE,
      introspection: {
        clientId: API_CLIENT.id,
        clientSecret: API_CLIENT.secret,
        endpoint: `${proxyUrl}/token/introspection`,
      },
      onEvent: slowRecorder.listener,
    })
    const slowApi = await startApi([['/opaque', requireToken(slow, { strategy: 'opaque' })]])
    try {
      const token = await as.getToken('opaque', 'items:read')
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => slowApi.http.get('/opaque').set(bearer(token))),
      )
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200))
      const calls = slowRecorder.ofType('introspection')
      expect(calls.filter((e) => !e.coalesced)).toHaveLength(1)
      expect(calls.filter((e) => e.coalesced)).toHaveLength(19)
      numbers.slowedJoined = calls.filter((e) => e.coalesced).length
    } finally {
      await slowApi.close()
      await slow.close()
      await proxy.close()
    }
  })
})
