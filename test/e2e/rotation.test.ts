/**
 * Signing key rotation at a real provider, seen through the Express adapter. The provider is
 * "rotated" by restarting it on the same port (same issuer, same token storage) with a new key set:
 *   1. [K1]      -> JWT A (kid K1)
 *   2. [K2, K1]  -> JWT B (kid K2); A and B both accepted, B through the unknown-kid refetch,
 *                   no failed request while the provider restarts or afterwards
 *   3. [K2]      -> K1 retired: once the API's key set is refreshed, A is refused, B still passes
 * The validator discovers jwks_uri from the metadata, with keySet { cacheMaxAge: 1 s, cooldown: 0 }.
 */
import { decodeProtectedHeader } from 'jose'
import { createValidator, requireToken, type Validator } from '@tokenguard/express'
import { generateSigningKey, JWT_RESOURCE, startAuthServer, type AuthServer } from '@tokenguard/test-support'
import type { JWK } from 'jose'
import {
  bearer,
  eventRecorder,
  invalidTokenChallenge,
  pollUntil,
  report,
  sleep,
  startApi,
  type Api,
} from './helpers'

jest.setTimeout(20_000)

const KEY_SET_MAX_AGE_S = 1
const PROVIDER_DOWN_MS = 300

const suiteStarted = performance.now()
const numbers: Record<string, string | number | undefined> = {}

let k1: JWK
let k2: JWK
let as: AuthServer
let port: number
let validator: Validator
let api: Api
const recorder = eventRecorder()
let tokenA: string
let tokenB: string

async function restart(keys: JWK[]): Promise<void> {
  await as.stop()
  as = await startAuthServer({ port, keys })
}

beforeAll(async () => {
  k1 = await generateSigningKey('RS256', 'k1')
  k2 = await generateSigningKey('RS256', 'k2')
  as = await startAuthServer({ keys: [k1] })
  port = as.port
  validator = createValidator({
    issuer: as.issuer,
    audience: JWT_RESOURCE,
    jwt: { algorithms: ['RS256'], keySet: { cacheMaxAge: KEY_SET_MAX_AGE_S, cooldown: 0 } },
    onEvent: recorder.listener,
  })
  api = await startApi([['/jwt', requireToken(validator, { strategy: 'jwt' })]])
})

afterAll(async () => {
  await api?.close()
  await validator?.close()
  await as?.stop()
  numbers.suiteMs = Math.round(performance.now() - suiteStarted)
  report('rotation', numbers)
})

const get = (token: string) => api.http.get('/jwt').set(bearer(token))

test('new key K2 published next to K1: A (K1) and B (K2, unknown kid) both accepted, zero failures', async () => {
  tokenA = await as.getToken('jwt', 'items:read')
  expect(decodeProtectedHeader(tokenA).kid).toBe('k1')
  expect((await get(tokenA)).status).toBe(200)

  // Requests with A keep flowing while the provider goes down and comes back with [K2, K1].
  let changing = true
  const during: number[] = []
  const loop = (async () => {
    for (let i = 0; changing && i < 500; i++) {
      during.push((await get(tokenA)).status)
      await sleep(5)
    }
  })()
  const restartStarted = performance.now()
  await as.stop()
  await sleep(PROVIDER_DOWN_MS) // the provider is really down for a moment
  as = await startAuthServer({ port, keys: [k2, k1] })
  numbers.restartMs = Math.round(performance.now() - restartStarted)
  changing = false
  await loop

  tokenB = await as.getToken('jwt', 'items:read')
  expect(decodeProtectedHeader(tokenB).kid).toBe('k2')
  recorder.clear()

  const after: number[] = []
  for (let i = 0; i < 50; i++) after.push((await get(i % 2 === 0 ? tokenA : tokenB)).status)

  const failures = [...during, ...after].filter((status) => status !== 200)
  numbers.requestsDuringRestart = during.length
  numbers.requestsAfterRestart = after.length
  numbers.failedDuringRotation = failures.length
  expect(during.length).toBeGreaterThan(0)
  expect(failures).toEqual([])
  // B's unknown kid caused a refetch that found both keys.
  expect(recorder.ofType('keys_fetch')).toContainEqual(expect.objectContaining({ outcome: 'ok', keys: 2 }))
})

test('K1 retired ([K2] only): the next uncached token triggers the refresh, then A is refused and B passes', async () => {
  await restart([k2])
  recorder.clear()
  const retiredAt = performance.now()
  // Past the key set's max age, a token the API has not verified yet (C, kid K2) makes it fetch the
  // JWKS again; the changed set empties the verified-token cache, so A is checked against [K2].
  await sleep(KEY_SET_MAX_AGE_S * 1000 + 100)
  const tokenC = await as.getToken('jwt', 'items:read')
  expect((await get(tokenC)).status).toBe(200)
  expect(recorder.ofType('keys_fetch')).toContainEqual(expect.objectContaining({ outcome: 'ok', keys: 1 }))

  const refusedA = await get(tokenA)
  expect(refusedA.status).toBe(401)
  expect(refusedA.headers['www-authenticate']).toBe(invalidTokenChallenge(JWT_RESOURCE))
  expect(recorder.ofType('rejected')).toEqual([
    expect.objectContaining({ reason: 'unknown_key', status: 401 }),
  ])
  numbers.retiredKeyRejectedAfterMs = Math.round(performance.now() - retiredAt)

  for (let i = 0; i < 5; i++) {
    expect((await get(tokenB)).status).toBe(200)
    expect((await get(tokenA)).status).toBe(401)
  }
})

// A retired key must stop vouching even when every token in traffic is already in the
// verified-token cache: entries live no longer than the key set's max age, so the next request
// re-verifies, which refreshes the key set (this once was a bug: the cache hid the rotation).
test('K2 retired ([K3] only), only already-verified tokens in traffic: B refused once the key set max age has passed', async () => {
  const k3 = await generateSigningKey('RS256', 'k3')
  await restart([k3, k2])
  const tokenD = await as.getToken('jwt', 'items:read') // kid k3
  const tokenE = tokenB // B: kid k2, verified and cached by the previous tests
  expect((await get(tokenD)).status).toBe(200) // unknown kid -> refetch -> [k3, k2]
  expect((await get(tokenE)).status).toBe(200)

  await restart([k3]) // k2 retired
  const retiredAt = performance.now()
  const refusedAt = await pollUntil(
    async () => {
      expect((await get(tokenD)).status).toBe(200)
      return (await get(tokenE)).status === 401 ? performance.now() : undefined
    },
    KEY_SET_MAX_AGE_S * 1000 + 2000,
    100,
  )
  numbers.cachedOnlyRetiredKeyRejectedAfterMs =
    refusedAt === undefined ? 'never' : Math.round(refusedAt - retiredAt)
  expect(refusedAt).toBeDefined()
})
