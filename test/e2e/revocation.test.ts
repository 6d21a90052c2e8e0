/**
 * Revocation at the authorization server (RFC 7009) as the API sees it: a sensitive route
 * (fresh introspection) refuses the token on the very next request; a normal route keeps the
 * cached answer for at most the configured introspection cacheMaxAge (2 s here), then refuses.
 */
import { createValidator, requireToken, type Validator } from '@tokenguard/express'
import {
  API_CLIENT,
  JWT_RESOURCE,
  OPAQUE_RESOURCE,
  startAuthServer,
  type AuthServer,
} from '@tokenguard/test-support'
import {
  bearer,
  eventRecorder,
  invalidTokenChallenge,
  pollUntil,
  report,
  startApi,
  type Api,
} from './helpers'

jest.setTimeout(20_000)

const CACHE_MAX_AGE_S = 2
const POLL_INTERVAL_MS = 50

const suiteStarted = performance.now()
const numbers: Record<string, string | number | undefined> = {}

let as: AuthServer
let validator: Validator
let api: Api
const recorder = eventRecorder()

beforeAll(async () => {
  as = await startAuthServer()
  validator = createValidator({
    issuer: as.issuer,
    audience: [JWT_RESOURCE, OPAQUE_RESOURCE],
    jwt: { algorithms: ['RS256'] },
    introspection: { clientId: API_CLIENT.id, clientSecret: API_CLIENT.secret, cacheMaxAge: CACHE_MAX_AGE_S },
    onEvent: recorder.listener,
  })
  api = await startApi([
    ['/items', requireToken(validator, { strategy: 'opaque' })],
    ['/payments', requireToken(validator, { strategy: 'opaque', sensitive: true })],
  ])
})

afterAll(async () => {
  await api?.close()
  await validator?.close()
  await as?.stop()
  numbers.suiteMs = Math.round(performance.now() - suiteStarted)
  report('revocation', numbers)
})

const ms = (value: number) => Math.round(value)

test('sensitive route: a revoked opaque token is refused on the very next request', async () => {
  const token = await as.getToken('opaque', 'payments:write')
  expect((await api.http.get('/items').set(bearer(token))).status).toBe(200)
  expect((await api.http.get('/payments').set(bearer(token))).status).toBe(200)

  await as.revoke(token)
  const revokedAt = performance.now()
  recorder.clear()

  // The normal route still answers from its cache (the entry is well under 2 s old) …
  const normal = await api.http.get('/items').set(bearer(token))
  expect(normal.status).toBe(200)
  expect(recorder.ofType('accepted')).toEqual([expect.objectContaining({ strategy: 'opaque', cached: true })])

  // … while the sensitive route asks the provider again and refuses at once.
  const sensitiveSent = performance.now()
  const sensitive = await api.http.get('/payments').set(bearer(token))
  const rejectedAt = performance.now()
  expect(sensitive.status).toBe(401)
  expect(sensitive.headers['www-authenticate']).toBe(invalidTokenChallenge(JWT_RESOURCE))
  expect(sensitive.body).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' })
  expect(recorder.ofType('rejected')).toEqual([expect.objectContaining({ reason: 'inactive', status: 401 })])
  expect(recorder.ofType('introspection')).toEqual([
    expect.objectContaining({ outcome: 'inactive', coalesced: false }),
  ])
  // Measured from the end of the RFC 7009 call (includes the normal-route request in between).
  numbers.sensitiveRevocationToRejectionMs = ms(rejectedAt - revokedAt)
  numbers.sensitiveRejectingRequestMs = ms(rejectedAt - sensitiveSent)

  // The fresh `active: false` answer replaces the cached one, so the normal route now refuses too.
  expect((await api.http.get('/items').set(bearer(token))).status).toBe(401)
})

test(`normal route: a revoked opaque token is accepted from cache for at most ${CACHE_MAX_AGE_S} s, then refused`, async () => {
  const token = await as.getToken('opaque', 'items:read')
  const primeSent = performance.now()
  expect((await api.http.get('/items').set(bearer(token))).status).toBe(200)
  const primed = performance.now()

  await as.revoke(token)
  const revokedAt = performance.now()
  recorder.clear()

  const accepted: number[] = [] // send times (ms after primeSent) of requests still accepted
  let rejectedSent = NaN
  const rejectedAt = await pollUntil(
    async () => {
      const sent = performance.now()
      const res = await api.http.get('/items').set(bearer(token))
      if (res.status === 200) {
        accepted.push(sent - primeSent)
        return undefined
      }
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe(invalidTokenChallenge(JWT_RESOURCE))
      rejectedSent = sent - primeSent
      return performance.now()
    },
    CACHE_MAX_AGE_S * 1000 + 1500,
    POLL_INTERVAL_MS,
  )
  expect(rejectedAt).toBeDefined()
  // It was served from the cache right after the revocation …
  expect(accepted.length).toBeGreaterThan(0)
  expect(recorder.ofType('accepted').every((e) => e.cached)).toBe(true)
  // … never refused while the cached answer was younger than cacheMaxAge (it was fetched after primeSent) …
  expect(rejectedSent).toBeGreaterThanOrEqual(CACHE_MAX_AGE_S * 1000 - 150)
  // … and refused within cacheMaxAge of the answer (plus one poll interval and request latency).
  expect(rejectedAt! - primed).toBeLessThanOrEqual(CACHE_MAX_AGE_S * 1000 + POLL_INTERVAL_MS + 500)
  expect(recorder.ofType('rejected')).toEqual([expect.objectContaining({ reason: 'inactive', status: 401 })])
  expect(recorder.ofType('introspection').filter((e) => !e.coalesced)).toHaveLength(1)

  // Stays refused (the inactive answer is now what is cached).
  expect((await api.http.get('/items').set(bearer(token))).status).toBe(401)

  numbers.cacheBoundedRevocationToRejectionMs = ms(rejectedAt! - revokedAt)
  numbers.cacheAgeAtRejectionMs = ms(rejectedAt! - primed)
  numbers.acceptedFromCacheAfterRevoke = accepted.length
})
