import crypto from 'node:crypto'
import { Agent } from 'undici'
import { createValidator, MemoryStore, type TokenEvent } from '../../src/index'
import { TokenError } from '../../src/errors'
import { createTestIssuer, type TestIssuer } from '../helpers/issuer'
import { AUDIENCE, ISSUER } from '../helpers/tokens'
import { LinkStore, eventually } from './link-store'

// The test kit's loopback introspection endpoint: it counts its calls and knows the tokens it minted.
let issuer: TestIssuer
let endpoint: string
const dispatcher = new Agent()
const calls = () => issuer.stats.introspections
const mint = () =>
  issuer.opaque({ sub: 'alice', scope: 'items:read', expiresIn: 600, claims: { iss: ISSUER } })

beforeAll(async () => {
  issuer = await createTestIssuer({
    audience: AUDIENCE,
    clients: [{ clientId: 'api', clientSecret: 'secret' }],
  })
  endpoint = issuer.introspectionEndpoint
})
afterAll(async () => {
  await dispatcher.close()
  await issuer.close()
})
beforeEach(() => {
  issuer.resetStats()
})

function validator(store?: MemoryStore | LinkStore, events: TokenEvent[] = []) {
  return createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    dispatcher,
    store,
    onEvent: (event) => events.push(event),
    introspection: { endpoint, clientId: 'api', clientSecret: 'secret', cacheMaxAge: 600 },
  })
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'accepted'
  } catch (error) {
    if (!(error instanceof TokenError)) throw error
    return `${error.status} ${error.reason}`
  }
}

it('revoking an opaque token drops it from the introspection cache of every validator on the store', async () => {
  const store = new MemoryStore()
  const a = validator(store)
  const b = validator(store)
  await Promise.all([a.ready(), b.ready()])
  const token = mint()
  expect(await outcome(b.verify(token))).toBe('accepted')
  expect(await outcome(b.verify(token))).toBe('accepted')
  expect(calls()).toBe(1)
  issuer.revoke(token) // the authorization server revoked it too
  await a.revoke(token)
  expect(await outcome(b.verify(token))).toBe('401 inactive') // asked again: the cache lost it
  expect(calls()).toBe(2)
  expect(await outcome(b.verify(token, { sensitive: true }))).toBe('401 inactive')
})

it('a revoked opaque token is refused on sensitive routes even if the server still says active', async () => {
  const v = validator()
  const token = mint()
  await v.revoke(token)
  expect(await outcome(v.verify(token, { sensitive: true }))).toBe('401 revoked')
})

it('a fleet sharing a store asks the authorization server once per token', async () => {
  const store = new MemoryStore()
  const eventsB: TokenEvent[] = []
  const a = validator(store)
  const b = validator(store, eventsB)
  const token = mint()
  await a.verify(token)
  await b.verify(token)
  expect(calls()).toBe(1)
  expect(eventsB).toContainEqual({ type: 'cache_hit', cache: 'shared' })
  // Sensitive routes never take the shared tier's word.
  await b.verify(token, { sensitive: true })
  expect(calls()).toBe(2)
})

it('the shared cache is cleared once per revocation, by the revoker; a reconnect sends no DEL at all', async () => {
  const store = new LinkStore()
  const events: TokenEvent[] = []
  const a = validator(store)
  const b = validator(store, events)
  const c = validator(store)
  await Promise.all([a.ready(), b.ready(), c.ready()])
  for (let i = 0; i < 5; i++) await a.revoke(`opaque-del-${i}`)
  expect(store.deletes).toHaveLength(5)
  store.bounce()
  expect(await eventually(() => events.some((event) => event.type === 'denylist_resynced'))).toBe(true)
  expect(store.deletes).toHaveLength(5)
  await Promise.all([a.close(), b.close(), c.close()])
})

it('a cached opaque token is hashed once per sensitive request while fingerprint entries exist', async () => {
  const once = mint()
  const revoked = mint()
  const v = validator()
  await v.revoke(revoked)
  expect(await outcome(v.verify(once, { sensitive: true }))).toBe('accepted')
  const hash = jest.spyOn(crypto, 'hash')
  try {
    // Its answer's key is its fingerprint, which the denylist then reads from the context.
    expect(await outcome(v.verify(once, { sensitive: true }))).toBe('accepted')
    expect(hash).toHaveBeenCalledTimes(1)
  } finally {
    hash.mockRestore()
  }
  expect(await outcome(v.verify(revoked, { sensitive: true }))).toBe('401 revoked')
  await v.close()
})
