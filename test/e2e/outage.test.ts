/**
 * The authorization server goes away and comes back (same port, same issuer, same keys and token
 * storage). While it is down the API fails closed with 503 + Retry-After and a
 * `temporarily_unavailable` body (never 401: the tokens are not known to be bad), both for an
 * opaque token that needs introspection and for a JWT when the key set was never loaded. Once
 * the provider is back, the same tokens are accepted again.
 */
import { createValidator, requireToken, type Validator } from '@tokenguard/express'
import {
  API_CLIENT,
  JWT_RESOURCE,
  OPAQUE_RESOURCE,
  startAuthServer,
  type AuthServer,
} from '@tokenguard/test-support'
import { bearer, eventRecorder, report, startApi, UNAVAILABLE_BODY, type Api } from './helpers'

jest.setTimeout(20_000)

const suiteStarted = performance.now()
const numbers: Record<string, string | number | undefined> = {}

let as: AuthServer
/** Has discovered the metadata and introspected before the outage. */
let warm: Validator
/** Never loaded anything before the outage (no metadata, no key set). */
let cold: Validator
let api: Api
const warmEvents = eventRecorder()
const coldEvents = eventRecorder()

const options = (issuer: string) => ({
  issuer,
  audience: [JWT_RESOURCE, OPAQUE_RESOURCE],
  // cooldown 0: after the outage the next request may try again at once (metadata and JWKS).
  jwt: { algorithms: ['RS256'], keySet: { cooldown: 0, timeout: 1000 } },
  introspection: { clientId: API_CLIENT.id, clientSecret: API_CLIENT.secret, timeout: 1000 },
})

beforeAll(async () => {
  as = await startAuthServer()
  warm = createValidator({ ...options(as.issuer), onEvent: warmEvents.listener })
  cold = createValidator({ ...options(as.issuer), onEvent: coldEvents.listener })
  api = await startApi([
    ['/warm/opaque', requireToken(warm, { strategy: 'opaque' })],
    ['/warm/hybrid', requireToken(warm, { strategy: 'hybrid' })],
    ['/cold/jwt', requireToken(cold, { strategy: 'jwt' })],
    ['/cold/opaque', requireToken(cold, { strategy: 'opaque' })],
  ])
})

afterAll(async () => {
  await api?.close()
  await warm?.close()
  await cold?.close()
  await as?.stop()
  numbers.suiteMs = Math.round(performance.now() - suiteStarted)
  report('outage', numbers)
})

function expectUnavailable(res: { status: number; headers: Record<string, string>; body: unknown }) {
  expect(res.status).toBe(503)
  expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/)
  expect(res.headers['www-authenticate']).toBeUndefined()
  expect(res.body).toEqual(UNAVAILABLE_BODY)
}

test('provider down: 503 + Retry-After for opaque and for a never-loaded key set (a loaded one keeps working); back on the same port: accepted', async () => {
  // Warm up: metadata discovered, one introspection done and the key set loaded while the provider is up.
  expect((await api.http.get('/warm/opaque').set(bearer(await as.getToken('opaque')))).status).toBe(200)
  expect((await api.http.get('/warm/hybrid').set(bearer(await as.getToken('jwt')))).status).toBe(200)
  // Minted before the outage, never seen by the API (so nothing about them is cached).
  const opaque = await as.getToken('opaque', 'items:read')
  const jwt = await as.getToken('jwt', 'items:read')
  const { port, keys } = as

  await as.stop()
  const downAt = performance.now()

  const warmOpaque = await api.http.get('/warm/opaque').set(bearer(opaque))
  expectUnavailable(warmOpaque)
  expect(warmOpaque.headers['retry-after']).toBe('5')
  const warmHybrid = await api.http.get('/warm/hybrid').set(bearer(opaque))
  expectUnavailable(warmHybrid)
  expect(warmEvents.ofType('rejected').slice(-2)).toEqual([
    expect.objectContaining({ reason: 'introspection_unavailable', status: 503 }),
    expect.objectContaining({ reason: 'introspection_unavailable', status: 503 }),
  ])

  // A loaded key set needs no network: a JWT the API has never seen still passes during the outage.
  const warmJwt = await api.http.get('/warm/hybrid').set(bearer(jwt))
  expect(warmJwt.status).toBe(200)
  expect(warmJwt.body).toMatchObject({ strategy: 'jwt' })

  const coldJwt = await api.http.get('/cold/jwt').set(bearer(jwt))
  expectUnavailable(coldJwt)
  expect(coldEvents.ofType('rejected')).toEqual([
    expect.objectContaining({ reason: 'keys_unavailable', status: 503, strategy: 'jwt' }),
  ])
  expectUnavailable(await api.http.get('/cold/opaque').set(bearer(opaque)))
  numbers.outage503Ms = Math.round(performance.now() - downAt)

  // Back: same port, so the same issuer; same keys and (per-issuer) storage, so the same tokens.
  as = await startAuthServer({ port, keys })
  const backAt = performance.now()
  const results = {
    warmOpaque: await api.http.get('/warm/opaque').set(bearer(opaque)),
    warmHybridJwt: await api.http.get('/warm/hybrid').set(bearer(jwt)),
    coldJwt: await api.http.get('/cold/jwt').set(bearer(jwt)),
    coldOpaque: await api.http.get('/cold/opaque').set(bearer(opaque)),
  }
  numbers.recoveryMs = Math.round(performance.now() - backAt)
  for (const [name, res] of Object.entries(results)) {
    expect([name, res.status]).toEqual([name, 200])
  }
  expect(results.coldJwt.body).toMatchObject({ strategy: 'jwt', issuer: as.issuer, scopes: ['items:read'] })
  expect(results.coldOpaque.body).toMatchObject({
    strategy: 'opaque',
    issuer: as.issuer,
    scopes: ['items:read'],
  })
})
