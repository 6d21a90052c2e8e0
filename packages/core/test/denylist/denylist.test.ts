import crypto from 'node:crypto'
import {
  createValidator,
  MemoryStore,
  type Store,
  type TokenEvent,
  type ValidatorOptions,
} from '../../src/index'
import type { DenylistFeedHandlers } from '../../src/store/store'
import { TokenError } from '../../src/errors'
import { AUDIENCE, ISSUER, NOW, accessToken, signingKey, type SigningKey } from '../helpers/tokens'

let rsa: SigningKey
let ec: SigningKey
let clock = NOW * 1000
let events: TokenEvent[] = []

beforeAll(async () => {
  ;[rsa, ec] = await Promise.all([signingKey('RS256'), signingKey('ES256')])
})
beforeEach(() => {
  clock = NOW * 1000
  events = []
})

function validator(overrides: Partial<ValidatorOptions> = {}) {
  return createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => clock,
    onEvent: (event) => events.push(event),
    jwt: { algorithms: ['RS256', 'ES256'], jwks: { keys: [rsa.publicJwk, ec.publicJwk] } },
    ...overrides,
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

const sensitive = { sensitive: true } as const

describe('denylist on sensitive routes', () => {
  it('refuses a revoked JWT on sensitive routes only, from the moment revoke() resolves', async () => {
    const v = validator()
    const token = await accessToken(rsa)
    expect(await outcome(v.verify(token, sensitive))).toBe('accepted')
    await v.revoke(token)
    expect(await outcome(v.verify(token, sensitive))).toBe('401 revoked')
    expect(await outcome(v.verify(token))).toBe('accepted')
    expect(events).toContainEqual({ type: 'denylist_hit', by: 'jti' })
  })

  it('revokes by { jti, exp }: every token with that jti is refused', async () => {
    const v = validator()
    await v.revoke({ jti: 'jti-1', exp: NOW + 300 })
    expect(await outcome(v.verify(await accessToken(rsa, { jti: 'jti-1' }), sensitive))).toBe('401 revoked')
    expect(await outcome(v.verify(await accessToken(rsa, { jti: 'jti-2' }), sensitive))).toBe('accepted')
    expect(events).toContainEqual({ type: 'denylist_hit', by: 'jti' })
  })

  it('scopes jti entries by issuer', async () => {
    const other = 'https://other-issuer.test/'
    const v = validator({ issuer: [ISSUER, other] })
    await v.revoke({ jti: 'jti-1', iss: other, exp: NOW + 300 })
    expect(await outcome(v.verify(await accessToken(rsa, { jti: 'jti-1' }), sensitive))).toBe('accepted')
    expect(await outcome(v.verify(await accessToken(rsa, { jti: 'jti-1', iss: other }), sensitive))).toBe(
      '401 revoked',
    )
  })

  it('catches the high-S twin of a revoked ECDSA signature (no jti to help)', async () => {
    // RFC 9068 requires `jti`; a profile without it shows the fingerprint alone catches the twin.
    const v = validator({ profile: { requiredClaims: ['sub', 'client_id', 'iat'] } })
    const token = await accessToken(ec, { jti: undefined })
    const twin = highSTwin(token)
    expect(twin).not.toBe(token)
    expect(await outcome(v.verify(twin))).toBe('accepted') // WebCrypto accepts both signatures
    await v.revoke(token)
    expect(await outcome(v.verify(twin, sensitive))).toBe('401 revoked')
    expect(events).toContainEqual({ type: 'denylist_hit', by: 'fingerprint' })
  })

  it('hashes a cached JWT twice per sensitive request while fingerprint entries exist, not three times', async () => {
    const v = validator()
    const [revoked, kept, unverified] = await Promise.all([
      accessToken(rsa, { jti: 'hash-a', sub: 'a' }),
      accessToken(rsa, { jti: 'hash-b', sub: 'b' }),
      accessToken(rsa, { jti: 'hash-c', sub: 'c' }),
    ])
    await v.revoke(revoked)
    expect(await outcome(v.verify(kept, sensitive))).toBe('accepted')
    const hash = jest.spyOn(crypto, 'hash')
    try {
      // The cache key (SHA-256 of the token as presented) doubles as the presented fingerprint:
      // one more hash, of the signing input, for the fingerprint entry.
      expect(await outcome(v.verify(kept, sensitive))).toBe('accepted')
      expect(hash).toHaveBeenCalledTimes(2)
    } finally {
      hash.mockRestore()
    }
    expect(await outcome(v.verify(revoked, sensitive))).toBe('401 revoked')
    // Revoked as presented (unverified, say): still found, by the digest the context carries.
    const [header, payload] = unverified.split('.') as [string, string]
    await v.revoke(`${header}.${payload}.${'A'.repeat(342)}`)
    expect(await outcome(v.verify(unverified, sensitive))).toBe('accepted')
    await v.revoke(unverified)
    expect(await outcome(v.verify(unverified, sensitive))).toBe('401 revoked')
  })

  it('revokeSubject refuses tokens issued before the cut-off, and tokens without iat', async () => {
    // RFC 9068 requires `iat`; a profile without it shows a subject cut-off refuses such tokens.
    const v = validator({ profile: { requiredClaims: ['sub', 'client_id', 'jti'] } })
    await v.revokeSubject('alice', { issuedBefore: NOW })
    expect(await outcome(v.verify(await accessToken(rsa, { iat: NOW - 10 }), sensitive))).toBe('401 revoked')
    expect(await outcome(v.verify(await accessToken(rsa, { iat: undefined }), sensitive))).toBe('401 revoked')
    expect(await outcome(v.verify(await accessToken(rsa, { iat: NOW }), sensitive))).toBe('accepted')
    expect(await outcome(v.verify(await accessToken(rsa, { sub: 'bob', iat: NOW - 10 }), sensitive))).toBe(
      'accepted',
    )
    await v.revokeSubject('bob', { issuedBefore: new Date((NOW + 1) * 1000) })
    expect(await outcome(v.verify(await accessToken(rsa, { sub: 'bob', iat: NOW }), sensitive))).toBe(
      '401 revoked',
    )
  })

  it('never lets an earlier cut-off loosen a later one (replayed or reordered revocations)', async () => {
    const v = validator()
    await v.revokeSubject('alice', { issuedBefore: NOW })
    await v.revokeSubject('alice', { issuedBefore: NOW - 100 })
    expect(await outcome(v.verify(await accessToken(rsa, { iat: NOW - 10 }), sensitive))).toBe('401 revoked')
  })

  it('forgets an entry once the token would have expired', async () => {
    const store = new MemoryStore({ now: () => clock })
    const v = validator({ store })
    await v.revoke(await accessToken(rsa, { exp: NOW + 60 }))
    expect(await store.listDenylist(NOW)).toHaveLength(2)
    expect(await store.listDenylist(NOW + 61)).toHaveLength(0)
  })

  it.each<[string, unknown, RegExp]>([
    ['an empty token', '', /revoke/],
    ['a jti without exp', { jti: 'x' }, /`exp`/],
    ['an empty jti', { jti: '', exp: 1 }, /`jti`/],
    ['an untrusted issuer', { jti: 'x', exp: 1, iss: 'https://evil.test/' }, /trusted issuer/],
  ])('revoke refuses %s with a TypeError', async (_, target, message) => {
    await expect(validator().revoke(target as never)).rejects.toThrow(message)
  })

  it('revokeSubject refuses bad arguments', async () => {
    await expect(validator().revokeSubject('')).rejects.toThrow(TypeError)
    await expect(validator().revokeSubject('a', { issuedBefore: 'yesterday' as never })).rejects.toThrow(
      TypeError,
    )
    await expect(validator().revokeSubject('a', { issuer: 'https://evil.test/' })).rejects.toThrow(TypeError)
  })

  it('reaches another validator on the same store through the feed', async () => {
    const store = new MemoryStore({ now: () => clock })
    const a = validator({ store })
    const b = validator({ store })
    await b.ready()
    const token = await accessToken(rsa)
    await a.revoke(token)
    expect(await outcome(b.verify(token, sensitive))).toBe('401 revoked')
  })

  it('loads entries made before it started (ready)', async () => {
    const store = new MemoryStore({ now: () => clock })
    const token = await accessToken(rsa)
    await validator({ store }).revoke(token)
    const late = validator({ store })
    await late.ready()
    expect(await outcome(late.verify(token, sensitive))).toBe('401 revoked')
  })

  it('never lets a revoked token through once revoke() resolved, under racing requests', async () => {
    const v = validator()
    const token = await accessToken(rsa)
    const during: Array<Promise<string>> = []
    for (let i = 0; i < 50; i++) during.push(outcome(v.verify(token, sensitive)))
    await v.revoke(token)
    const after = await Promise.all(Array.from({ length: 50 }, () => outcome(v.verify(token, sensitive))))
    await Promise.all(during)
    expect(new Set(after)).toEqual(new Set(['401 revoked']))
  })
})

describe('a mirror that cannot prove it is fresh', () => {
  /** A MemoryStore whose feed the test can take down and bring back. */
  class FlakyStore extends MemoryStore {
    handlers: DenylistFeedHandlers[] = []
    failLists = false
    override async subscribe(handlers: DenylistFeedHandlers) {
      this.handlers.push(handlers)
      return super.subscribe(handlers)
    }
    override async snapshotDenylist(nowSeconds: number) {
      if (this.failLists) throw new Error('store down')
      return super.snapshotDenylist(nowSeconds)
    }
    feed(status: 'up' | 'down') {
      for (const handler of this.handlers) handler.onStatus(status)
    }
  }

  // Freshness is measured on a monotonic clock, not the `now` seam: these wait in real time.
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  const bound = { maxStaleness: 0.3, heartbeatInterval: 0.05 }

  it('answers 503 on sensitive routes past maxStaleness, keeps other routes going, and recovers', async () => {
    const store = new FlakyStore({ now: () => clock })
    const v = validator({ store, denylist: bound })
    await v.ready()
    const token = await accessToken(rsa, { exp: NOW + 3600 })
    store.feed('down')
    store.failLists = true
    await sleep(150)
    expect(await outcome(v.verify(token, sensitive))).toBe('accepted')
    await sleep(250)
    expect(await outcome(v.verify(token, sensitive))).toBe('503 denylist_unavailable')
    expect(await outcome(v.verify(token))).toBe('accepted')
    // A revocation made elsewhere while this instance was cut off is honoured after the resync.
    store.failLists = false
    await MemoryStore.prototype.addDenylistEntry.call(store, {
      kind: 'jti',
      key: `${ISSUER}\njti-1`,
      expiresAt: NOW + 3600,
    })
    store.feed('up')
    await sleep(10)
    expect(await outcome(v.verify(token, sensitive))).toBe('401 revoked')
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['store_degraded', 'store_recovered']))
    await v.close()
  })

  it('a wall clock that jumps ahead does not make a proven mirror stale', async () => {
    const v = validator({ store: new MemoryStore({ now: () => clock }), denylist: bound })
    await v.ready()
    const token = await accessToken(rsa, { exp: NOW + 3600 })
    clock += 60_000 // far past maxStaleness on the wall clock, a moment on the monotonic one
    expect(await outcome(v.verify(token, sensitive))).toBe('accepted')
    await v.close()
  })

  it('with fallbackToStore, reloads from the store instead of failing', async () => {
    const store = new FlakyStore({ now: () => clock })
    const v = validator({ store, denylist: { ...bound, fallbackToStore: true } })
    await v.ready()
    const token = await accessToken(rsa, { exp: NOW + 3600 })
    store.feed('down')
    await sleep(400)
    expect(await outcome(v.verify(token, sensitive))).toBe('accepted')
    // That reload proved the mirror fresh as of now: no reload per request until the bound runs out again.
    store.failLists = true
    expect(await outcome(v.verify(token, sensitive))).toBe('accepted')
    await sleep(400)
    expect(await outcome(v.verify(token, sensitive))).toBe('503 denylist_unavailable')
    await v.close()
  })

  it('fails closed while the store was never reachable, and starts once it is', async () => {
    let reachable = false
    const memory = new MemoryStore({ now: () => clock })
    const broken: Store = Object.assign(Object.create(memory), {
      subscribe: async (handlers: DenylistFeedHandlers) => {
        if (!reachable) throw new Error('no store')
        return memory.subscribe(handlers)
      },
    })
    const v = validator({ store: broken })
    await expect(v.ready()).rejects.toThrow('no store')
    expect(await outcome(v.verify(await accessToken(rsa), sensitive))).toBe('503 denylist_unavailable')
    expect(await outcome(v.verify(await accessToken(rsa)))).toBe('accepted')
    reachable = true
    clock += 500
    await expect(v.ready()).rejects.toThrow('no store') // retried at most once a second
    clock += 1_000
    await expect(v.ready()).resolves.toBeUndefined()
    expect(await outcome(v.verify(await accessToken(rsa), sensitive))).toBe('accepted')
  })
})

/** The other valid ECDSA P-256 signature of the same message: s → n - s. */
function highSTwin(token: string): string {
  const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const bytes = Buffer.from(signature, 'base64url')
  const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`)
  const twin = Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')
  return `${header}.${payload}.${Buffer.concat([bytes.subarray(0, 32), twin]).toString('base64url')}`
}
