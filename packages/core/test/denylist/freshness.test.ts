import {
  createValidator,
  MemoryStore,
  type Store,
  type TokenEvent,
  type ValidatorOptions,
} from '../../src/index'
import { TokenError } from '../../src/errors'
import { AUDIENCE, ISSUER, accessToken, signingKey, type SigningKey } from '../helpers/tokens'
import { LinkStore, eventually, sleep } from './link-store'

// Real time with short bounds: the mirror's own timer drives heartbeats, polls and sweeps.
const MAX_STALENESS = 0.3
const HEARTBEAT = 0.03
const sensitive = { sensitive: true } as const

let rsa: SigningKey
let events: TokenEvent[]
const open: Array<{ close(): Promise<void> }> = []
beforeAll(async () => {
  rsa = await signingKey('RS256')
})
beforeEach(() => {
  events = []
})
afterEach(async () => {
  for (const item of open.splice(0)) await item.close()
})

function validator(store: Store, overrides: Partial<ValidatorOptions> = {}) {
  const v = createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    onEvent: (event) => events.push(event),
    jwt: { algorithms: ['RS256'], jwks: { keys: [rsa.publicJwk] } },
    store,
    denylist: { maxStaleness: MAX_STALENESS, heartbeatInterval: HEARTBEAT },
    ...overrides,
  })
  open.push(v)
  return v
}

const fresh = (claims: Record<string, unknown> = {}) =>
  accessToken(rsa, {
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 600,
    ...claims,
  })

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'accepted'
  } catch (error) {
    if (!(error instanceof TokenError)) throw error
    return `${error.status} ${error.reason}`
  }
}

const types = () => events.map((event) => event.type)

describe('freshness is proven by heartbeats, not inferred from connection events', () => {
  it('a link that drops every byte without a word: 503 within maxStaleness, back after the echoes resume', async () => {
    const store = new LinkStore()
    const v = validator(store)
    await v.ready()
    const token = await fresh()
    expect(await outcome(v.verify(token, sensitive))).toBe('accepted')
    store.paused = true
    const pausedAt = Date.now()
    expect(await eventually(async () => (await outcome(v.verify(token, sensitive))) !== 'accepted')).toBe(
      true,
    )
    const failedClosedAfter = Date.now() - pausedAt
    expect(failedClosedAfter).toBeLessThanOrEqual(MAX_STALENESS * 1000 + 2 * HEARTBEAT * 1000 + 50)
    // Not before the bound ran out from the last proof (at most a few heartbeats before the pause).
    expect(failedClosedAfter).toBeGreaterThan(MAX_STALENESS * 500)
    expect(await outcome(v.verify(token, sensitive))).toBe('503 denylist_unavailable')
    expect(await outcome(v.verify(token))).toBe('accepted') // normal routes keep answering
    expect(events).toContainEqual({ type: 'store_degraded', error: 'denylist proof overdue' })

    // Revoked elsewhere while this instance heard nothing: honoured once the link is back.
    await store.server.addDenylistEntry({
      kind: 'jti',
      key: `${ISSUER}\njti-1`,
      expiresAt: Date.now() / 1000 + 600,
    })
    store.paused = false
    expect(await eventually(async () => (await outcome(v.verify(token, sensitive))) === '401 revoked')).toBe(
      true,
    )
    expect(types()).toContain('store_recovered')
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'denylist_resynced', reason: 'gap', entries: 1 }),
    )
  })

  it('a heartbeat that cannot be sent (a read-only or unreachable store) proves nothing', async () => {
    const store = new LinkStore()
    const v = validator(store)
    await v.ready()
    store.failCommands = true
    await sleep(MAX_STALENESS * 1000 + 100)
    expect(await outcome(v.verify(await fresh(), sensitive))).toBe('503 denylist_unavailable')
    store.failCommands = false
    expect(
      await eventually(async () => (await outcome(v.verify(await fresh(), sensitive))) === 'accepted'),
    ).toBe(true)
  })

  it('a lost entry message is noticed by the next heartbeat (a gap in seq) and reloaded', async () => {
    const store = new LinkStore()
    const v = validator(store)
    const other = validator(store)
    await Promise.all([v.ready(), other.ready()])
    const lone = await fresh({ jti: 'lost-2' })
    store.dropNextEntry = true
    await other.revoke({ jti: 'lost-2', exp: Math.floor(Date.now() / 1000) + 600 })
    expect(
      await eventually(async () => (await outcome(v.verify(lone, sensitive))) === '401 revoked', 1000),
    ).toBe(true)
    expect(events).toContainEqual(expect.objectContaining({ type: 'denylist_resynced', reason: 'gap' }))
  })
})

describe('a store that lost its data is repaired from the running mirrors', () => {
  it('an empty restart: running mirrors write their entries back; a new instance then refuses them too', async () => {
    const store = new LinkStore()
    const running = validator(store)
    await running.ready()
    const token = await fresh({ jti: 'before-restart' })
    await running.revoke(token)
    await store.restartEmpty()
    expect(await store.server.listDenylist(Date.now() / 1000)).toStrictEqual([])

    expect(await eventually(() => types().includes('denylist_repaired'))).toBe(true)
    const repaired = events.find((event) => event.type === 'denylist_repaired')
    expect(repaired).toMatchObject({ entries: 2 }) // the jti and the fingerprint entry
    expect((repaired as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0)
    expect(events).toContainEqual(expect.objectContaining({ type: 'denylist_resynced', reason: 'epoch' }))

    const newcomer = validator(store)
    await newcomer.ready()
    expect(await outcome(newcomer.verify(token, sensitive))).toBe('401 revoked')
    expect(await outcome(running.verify(token, sensitive))).toBe('401 revoked')
  })

  it('a repair that cannot be written is retried until it can; the mirror keeps refusing meanwhile', async () => {
    const store = new LinkStore()
    const running = validator(store)
    await running.ready()
    const token = await fresh({ jti: 'kept' })
    await running.revoke(token)
    const restore = jest.spyOn(store, 'restoreDenylist').mockRejectedValueOnce(new Error('READONLY'))
    await store.restartEmpty()
    expect(await eventually(() => types().includes('denylist_repaired'))).toBe(true)
    expect(restore.mock.calls.length).toBeGreaterThanOrEqual(2)
    expect(await outcome(running.verify(token, sensitive))).toBe('401 revoked')
    expect((await store.server.listDenylist(Date.now() / 1000)).length).toBe(2)
  })
})

describe('a store without a heartbeat-carrying feed is polled', () => {
  /** Only the three jobs' required methods: no subscribe, snapshot or heartbeat. */
  function pollOnly(server: MemoryStore, state: { down: boolean }): Store {
    const guard = <T>(run: () => Promise<T>) => (state.down ? Promise.reject(new Error('down')) : run())
    return {
      get: (key) => guard(() => server.get(key)),
      set: (key, value, ttl) => guard(() => server.set(key, value, ttl)),
      delete: (key) => guard(() => server.delete(key)),
      addIfAbsent: (key, ttl) => guard(() => server.addIfAbsent(key, ttl)),
      addDenylistEntry: (entry) => guard(() => server.addDenylistEntry(entry)),
      listDenylist: (now) => guard(() => server.listDenylist(now)),
      close: async () => {},
    }
  }

  it('a revocation made elsewhere arrives within pollInterval; a store gone for maxStaleness is a 503', async () => {
    const server = new MemoryStore()
    const state = { down: false }
    const v = validator(pollOnly(server, state), {
      denylist: { maxStaleness: MAX_STALENESS, pollInterval: HEARTBEAT },
    })
    await v.ready()
    const token = await fresh({ jti: 'polled' })
    await server.addDenylistEntry({
      kind: 'jti',
      key: `${ISSUER}\npolled`,
      expiresAt: Date.now() / 1000 + 60,
    })
    const addedAt = Date.now()
    expect(await eventually(async () => (await outcome(v.verify(token, sensitive))) === '401 revoked')).toBe(
      true,
    )
    // A few poll intervals; generous, for timers on a loaded machine (without polling: never).
    expect(Date.now() - addedAt).toBeLessThan(1000)
    state.down = true
    await sleep(MAX_STALENESS * 1000 + 50)
    expect(await outcome(v.verify(await fresh(), sensitive))).toBe('503 denylist_unavailable')
    expect(await outcome(v.verify(await fresh()))).toBe('accepted')
  })
})

describe('the mirror frees what expired', () => {
  it('sweeps expired entries in expiry order on its own timer', async () => {
    const store = new LinkStore()
    const v = validator(store)
    await v.ready()
    const nowSeconds = Date.now() / 1000
    await v.revoke({ jti: 'short', exp: nowSeconds + 0.1 })
    await v.revoke({ jti: 'long', exp: nowSeconds + 600 })
    await sleep(100)
    const swept = () =>
      events
        .filter((e) => e.type === 'denylist_swept')
        .reduce((n, e) => n + (e as { entries: number }).entries, 0)
    expect(await eventually(() => swept() === 1, 1000)).toBe(true)
    expect(await outcome(v.verify(await fresh({ jti: 'long' }), sensitive))).toBe('401 revoked')
    expect(await outcome(v.verify(await fresh({ jti: 'short' }), sensitive))).toBe('accepted')
  })
})

describe('options', () => {
  it.each([
    [{ heartbeatInterval: 5 }, '`denylist.heartbeatInterval` must be below `denylist.maxStaleness`'],
    [{ maxStaleness: 1, pollInterval: 2 }, '`denylist.pollInterval` must be below `denylist.maxStaleness`'],
    [{ heartbeatInterval: 0 }, '`denylist.heartbeatInterval` must be a positive number of seconds'],
    [{ pollInterval: -1 }, '`denylist.pollInterval` must be a positive number of seconds'],
    [{ maxStaleness: Number.NaN }, '`denylist.maxStaleness` must be a positive number of seconds'],
  ])('refuses %j', (denylist, message) => {
    expect(() => validator(new MemoryStore(), { denylist })).toThrow(
      new TypeError(`createValidator: ${message}`),
    )
  })

  it('refuses a store whose optional feed methods are not functions', () => {
    const store = Object.assign(new MemoryStore(), { heartbeat: 'yes' })
    expect(() => validator(store as unknown as Store)).toThrow(TypeError)
  })
})
