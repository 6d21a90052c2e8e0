import { Agent } from 'undici'
import { InvalidTokenError, UnavailableError } from '../../src/errors.js'
import type { TokenEvent } from '../../src/events.js'
import { tokenFingerprint } from '../../src/denylist/fingerprint.js'
import { createIntrospectionClient } from '../../src/introspection/client.js'
import {
  createOpaqueStrategy,
  type OpaqueStrategy,
  type OpaqueStrategyOptions,
} from '../../src/strategies/opaque.js'
import { startScriptedServer } from '../helpers/scripted-server.js'

/** Test overrides, with durations in seconds as the validator's options give them. */
type Overrides = Partial<
  Pick<
    OpaqueStrategyOptions,
    'cacheKeyScope' | 'issuers' | 'audiences' | 'scopeClaim' | 'requireAudience' | 'cacheMax' | 'sharedCache'
  >
> & {
  cacheMaxAge?: number
  inactiveCacheMaxAge?: number
  defaultCacheMaxAge?: number
  clockTolerance?: number
}

/**
 * A real introspection endpoint on 127.0.0.1 (the shared scripted server): answers per token from `answers` (default inactive),
 * counts hits per token, and can delay its answers to keep requests in flight.
 */
interface StubServer {
  url: string
  answers: Map<string, Record<string, unknown> | number>
  hits: string[]
  delayMs: number
  hitsFor(token: string): number
  close(): Promise<void>
}

async function startServer(): Promise<StubServer> {
  const server = await startScriptedServer(({ token }) => {
    stub.hits.push(token)
    const answer = stub.answers.get(token) ?? { active: false }
    // A number is a status code: the server is failing.
    if (typeof answer === 'number')
      return { status: answer, body: { error: 'server_error' }, delayMs: stub.delayMs }
    return { body: answer, delayMs: stub.delayMs }
  })
  const stub: StubServer = {
    url: `${server.url}/introspect`,
    answers: new Map(),
    hits: [],
    delayMs: 0,
    hitsFor: (token) => stub.hits.filter((hit) => hit === token).length,
    close: () => server.close(),
  }
  return stub
}

const ISSUER = 'https://as.example/'
const AUDIENCE = 'https://api.example/'
const T0 = Date.UTC(2030, 0, 1) // ms
const agent = new Agent()
let as: StubServer
let clock: number
let events: TokenEvent[]
const nowSeconds = () => clock / 1000

beforeAll(async () => {
  as = await startServer()
})

afterAll(async () => {
  await agent.close()
  await as.close()
})

beforeEach(() => {
  as.answers.clear()
  as.hits = []
  as.delayMs = 0
  clock = T0
  events = []
})

function strategy(overrides: Overrides = {}, server: StubServer = as): OpaqueStrategy {
  const client = createIntrospectionClient({
    endpoint: server.url,
    clientId: 'api',
    clientSecret: 'secret',
    clientAuth: 'client_secret_basic',
    timeout: 2000,
    maxResponseBytes: 65_536,
    dispatcher: agent,
  })
  const {
    cacheMaxAge = 300,
    inactiveCacheMaxAge = 10,
    defaultCacheMaxAge = 30,
    clockTolerance = 5,
    ...rest
  } = overrides
  return createOpaqueStrategy({
    client,
    cacheKeyScope: `${server.url}\napi`,
    issuers: [ISSUER],
    audiences: [AUDIENCE],
    requireAudience: false,
    scopeClaim: undefined,
    cacheMaxAgeMs: cacheMaxAge * 1000,
    inactiveCacheMaxAgeMs: inactiveCacheMaxAge * 1000,
    defaultCacheMaxAgeMs: defaultCacheMaxAge * 1000,
    cacheMax: 10_000,
    clockToleranceMs: clockTolerance * 1000,
    now: () => clock,
    sharedCache: undefined,
    emit: (event) => events.push(event),
    ...rest,
  })
}

/** Resolves to the rejection `reason`, or 'accepted'. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'accepted'
  } catch (error) {
    if (error instanceof InvalidTokenError) return error.reason
    throw error
  }
}

const active = (claims: Record<string, unknown> = {}) => ({
  active: true,
  exp: nowSeconds() + 3600,
  ...claims,
})

describe('the response is checked, not trusted (RFC 7662 §2.2, §4)', () => {
  const now = T0 / 1000
  it.each<[string, Record<string, unknown>, string, Overrides?]>([
    ['active, nothing else', { active: true }, 'accepted'],
    [
      'every member valid',
      {
        active: true,
        iss: ISSUER,
        aud: AUDIENCE,
        exp: now + 60,
        nbf: now - 60,
        scope: 'a b',
        sub: 's',
        client_id: 'c',
        token_type: 'Bearer',
      },
      'accepted',
    ],
    ['active false', { active: false }, 'inactive'],
    ['active "true" (a string)', { active: 'true', exp: now + 60 }, 'inactive'],
    ['active 1', { active: 1 }, 'inactive'],
    ['active missing', { sub: 's' }, 'inactive'],
    ['exp in the past', { active: true, exp: now - 60 }, 'expired'],
    ['exp now, no tolerance', { active: true, exp: now }, 'expired', { clockTolerance: 0 }],
    [
      'exp passed but within clock tolerance',
      { active: true, exp: now - 3 },
      'accepted',
      { clockTolerance: 5 },
    ],
    ['exp passed, no tolerance', { active: true, exp: now - 3 }, 'expired', { clockTolerance: 0 }],
    ['exp a string', { active: true, exp: String(now + 60) }, 'invalid_claim'],
    ['exp absurdly large', { active: true, exp: 1e308 }, 'invalid_claim'],
    ['nbf in the future', { active: true, nbf: now + 60 }, 'not_yet_valid'],
    ['iss not in the allowlist', { active: true, iss: 'https://evil.example/' }, 'unknown_issuer'],
    ['iss a number', { active: true, iss: 7 }, 'invalid_claim'],
    [
      'iss in a multi-issuer allowlist',
      { active: true, iss: 'https://other.example/' },
      'accepted',
      { issuers: [ISSUER, 'https://other.example/'] },
    ],
    ['aud for another resource', { active: true, aud: 'https://other-api.example/' }, 'wrong_audience'],
    [
      'aud list with this resource',
      { active: true, aud: ['https://other-api.example/', AUDIENCE] },
      'accepted',
    ],
    [
      'aud list without this resource',
      { active: true, aud: ['https://a.example/', 'https://b.example/'] },
      'wrong_audience',
    ],
    ['aud empty list', { active: true, aud: [] }, 'wrong_audience'],
    ['aud of numbers', { active: true, aud: [1] }, 'invalid_claim'],
    ['aud absent (optional)', { active: true }, 'accepted', { requireAudience: false }],
    ['aud absent while required', { active: true }, 'wrong_audience', { requireAudience: true }],
    ['aud present while required', { active: true, aud: AUDIENCE }, 'accepted', { requireAudience: true }],
    ['token_type refresh_token', { active: true, token_type: 'refresh_token' }, 'refresh_token'],
    ['token_type Refresh_Token', { active: true, token_type: 'Refresh_Token' }, 'refresh_token'],
    ['token_type DPoP', { active: true, token_type: 'DPoP' }, 'accepted'],
    ['token_type a number', { active: true, token_type: 1 }, 'invalid_claim'],
    ['scope a list', { active: true, scope: ['a', 'b'] }, 'accepted'],
    ['scope a number', { active: true, scope: 42 }, 'invalid_claim'],
    ['scope an object', { active: true, scope: { a: true } }, 'invalid_claim'],
    ['sub a number', { active: true, sub: 42 }, 'invalid_claim'],
    ['client_id an object', { active: true, client_id: { id: 'c' } }, 'invalid_claim'],
  ])('%s → %s', async (name, response, expected, overrides = {}) => {
    const token = `check:${name}`
    as.answers.set(token, response)
    await expect(outcome(strategy(overrides).verify(token))).resolves.toBe(expected)
  })

  it('builds the opaque auth context from an accepted response', async () => {
    const response = active({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'alice',
      client_id: 'web',
      scope: 'items:read items:write',
      jti: 'j1',
      cnf: { jkt: 'thumb' },
    })
    as.answers.set('ctx', response)
    const auth = await strategy().verify('ctx')
    expect(auth.token).toBe('ctx')
    expect(auth).toEqual({
      strategy: 'opaque',
      claims: response,
      scopes: ['items:read', 'items:write'],
      roles: [],
      subject: 'alice',
      clientId: 'web',
      issuer: ISSUER,
      expiresAt: response.exp,
      jti: 'j1',
      binding: { type: 'dpop', thumbprint: 'thumb', jkt: 'thumb', x5tS256: undefined },
    })
    // Cached claims are shared by every hit: no handler may change them for the next request.
    expect(Object.isFrozen(auth.claims)).toBe(true)
  })

  it('a cached answer keeps no token: each hit carries the token presented, claims shared', async () => {
    as.answers.set('opaque-abc', active({ sub: 'alice' }))
    const opaque = strategy()
    const first = await opaque.verify('opaque-abc')
    // A fresh copy of the string, as the next request's header would give it.
    const again = Buffer.from('opaque-abc', 'latin1').toString('latin1')
    const hit = await opaque.verify(again)
    expect(as.hitsFor('opaque-abc')).toBe(1)
    expect(hit.token).toBe('opaque-abc')
    expect(hit.claims).toBe(first.claims)
    expect(Object.keys(hit)).not.toContain('token')
    expect(JSON.stringify(hit)).not.toContain('opaque-abc')
    expect(Object.isFrozen(hit)).toBe(true)
  })

  it('a revocation known only by fingerprint finds the cached answer (one hash per request)', async () => {
    as.answers.set('opaque-rev', active())
    const opaque = strategy()
    await opaque.verify('opaque-rev')
    await opaque.verify('opaque-rev')
    expect(as.hitsFor('opaque-rev')).toBe(1)
    opaque.evictFingerprint(tokenFingerprint('opaque-rev'))
    await opaque.verify('opaque-rev')
    expect(as.hitsFor('opaque-rev')).toBe(2)
  })

  it('reads scopes from a configured claim', async () => {
    as.answers.set('perm', active({ permissions: ['a:read'] }))
    await expect(strategy({ scopeClaim: 'permissions' }).verify('perm')).resolves.toMatchObject({
      scopes: ['a:read'],
      roles: [],
    })
  })
})

describe('outages', () => {
  it.each([500, 503, 401])(
    'a %i from the server is a 503 with Retry-After, and is not cached',
    async (status) => {
      const opaque = strategy()
      as.answers.set('tok', status)
      await expect(opaque.verify('tok')).rejects.toMatchObject({
        status: 503,
        reason: status === 401 ? 'introspection_unauthorized' : 'introspection_unavailable',
        retryAfter: 5,
      })
      await expect(opaque.verify('tok')).rejects.toBeInstanceOf(UnavailableError)
      expect(as.hitsFor('tok')).toBe(2)
      as.answers.set('tok', active())
      await expect(opaque.verify('tok')).resolves.toMatchObject({ strategy: 'opaque' })
      expect(as.hitsFor('tok')).toBe(3)
    },
  )
})

describe('coalescing', () => {
  it('50 concurrent verifications of a new token make exactly one request', async () => {
    const opaque = strategy()
    as.delayMs = 30
    as.answers.set('burst', active({ sub: 'alice' }))
    const results = await Promise.all(Array.from({ length: 50 }, () => opaque.verify('burst')))
    expect(as.hitsFor('burst')).toBe(1)
    expect(results.every((auth) => auth.subject === 'alice')).toBe(true)
    expect(events.filter((event) => event.type === 'cache_miss')).toHaveLength(50)
    expect(events.filter((event) => event.type === 'introspection' && event.coalesced)).toHaveLength(49)
  })

  it('every joined caller sees the outage too, and the next call asks again', async () => {
    const opaque = strategy()
    as.delayMs = 30
    as.answers.set('down', 503)
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => opaque.verify('down')))
    expect(
      results.every((result) => result.status === 'rejected' && result.reason instanceof UnavailableError),
    ).toBe(true)
    expect(as.hitsFor('down')).toBe(1)
    await expect(opaque.verify('down')).rejects.toBeInstanceOf(UnavailableError)
    expect(as.hitsFor('down')).toBe(2)
  })

  it('maxAge 0 joins a request begun in the same millisecond, never an older one', async () => {
    const opaque = strategy()
    as.delayMs = 30
    as.answers.set('fresh', active())
    const older = opaque.verify('fresh')
    clock += 1 // the next call comes later than the request in flight began
    const sensitive = [opaque.verify('fresh', { maxAgeMs: 0 }), opaque.verify('fresh', { maxAgeMs: 0 })]
    const relaxed = opaque.verify('fresh') // joins the newest request, not the older one
    await Promise.all([older, ...sensitive, relaxed])
    expect(as.hitsFor('fresh')).toBe(2)
  })

  it('a positive maxAge joins a request begun within that many seconds', async () => {
    const opaque = strategy()
    as.delayMs = 30
    as.answers.set('recent', active())
    const first = opaque.verify('recent')
    clock += 2000
    const within = opaque.verify('recent', { maxAgeMs: 5000 })
    const beyond = opaque.verify('recent', { maxAgeMs: 1000 })
    await Promise.all([first, within, beyond])
    expect(as.hitsFor('recent')).toBe(2)
  })
})

describe('cache', () => {
  it('never outlives exp: exp in 20 s with cacheMaxAge 300 is asked again, and rejected, after 21 s', async () => {
    const opaque = strategy({ cacheMaxAge: 300, clockTolerance: 0 })
    as.answers.set('short', { active: true, exp: nowSeconds() + 20 })
    await opaque.verify('short')
    clock += 19_000
    await expect(opaque.verify('short')).resolves.toMatchObject({ strategy: 'opaque' })
    expect(as.hitsFor('short')).toBe(1)
    clock += 2_000 // now + 21 s; the server (lagging) still says active with the same exp
    await expect(outcome(opaque.verify('short'))).resolves.toBe('expired')
    expect(as.hitsFor('short')).toBe(2)
  })

  it.each<[string, Record<string, unknown>, Overrides, number]>([
    ['cacheMaxAge bounds a long exp', { active: true, exp: T0 / 1000 + 3600 }, { cacheMaxAge: 60 }, 60],
    ['defaultCacheMaxAge without exp', { active: true }, { defaultCacheMaxAge: 30 }, 30],
    [
      'cacheMaxAge below defaultCacheMaxAge',
      { active: true },
      { cacheMaxAge: 10, defaultCacheMaxAge: 30 },
      10,
    ],
    ['inactiveCacheMaxAge for active:false', { active: false }, { inactiveCacheMaxAge: 10 }, 10],
    ['inactiveCacheMaxAge for active:"true"', { active: 'true' }, { inactiveCacheMaxAge: 10 }, 10],
  ])('%s: cached until the ttl, then asked again', async (_, response, overrides, ttlSeconds) => {
    const opaque = strategy(overrides)
    as.answers.set('ttl', response)
    const expected = await outcome(opaque.verify('ttl'))
    clock += ttlSeconds * 1000 - 1
    await expect(outcome(opaque.verify('ttl'))).resolves.toBe(expected)
    expect(as.hitsFor('ttl')).toBe(1)
    clock += 2
    await expect(outcome(opaque.verify('ttl'))).resolves.toBe(expected)
    expect(as.hitsFor('ttl')).toBe(2)
  })

  it('an inactive answer is not re-asked within inactiveCacheMaxAge, even once the token turns up active', async () => {
    const opaque = strategy({ inactiveCacheMaxAge: 10 })
    await expect(outcome(opaque.verify('dead'))).resolves.toBe('inactive')
    as.answers.set('dead', active())
    clock += 9_000
    await expect(outcome(opaque.verify('dead'))).resolves.toBe('inactive')
    clock += 2_000
    await expect(outcome(opaque.verify('dead'))).resolves.toBe('accepted')
    expect(as.hitsFor('dead')).toBe(2)
  })

  it('checks re-run on every hit: a cached wrong audience stays rejected, a cached nbf starts to pass', async () => {
    const opaque = strategy({ clockTolerance: 0 })
    as.answers.set('other-api', active({ aud: 'https://other-api.example/' }))
    as.answers.set('later', active({ nbf: nowSeconds() + 10 }))
    await expect(outcome(opaque.verify('other-api'))).resolves.toBe('wrong_audience')
    await expect(outcome(opaque.verify('other-api'))).resolves.toBe('wrong_audience')
    await expect(outcome(opaque.verify('later'))).resolves.toBe('not_yet_valid')
    clock += 11_000
    await expect(outcome(opaque.verify('later'))).resolves.toBe('accepted')
    expect(as.hits).toEqual(['other-api', 'later']) // both later verdicts came from the cache
    expect(events.filter((event) => event.type === 'cache_hit')).toHaveLength(2)
  })

  it('keeps two validators with different endpoints and clients apart', async () => {
    const other = await startServer()
    try {
      as.answers.set('shared', active({ sub: 'from-a' }))
      other.answers.set('shared', { active: false })
      const a = strategy()
      const b = strategy({ cacheKeyScope: `${other.url}\napi` }, other)
      await expect(a.verify('shared')).resolves.toMatchObject({ subject: 'from-a' })
      await expect(outcome(b.verify('shared'))).resolves.toBe('inactive')
      await expect(a.verify('shared')).resolves.toMatchObject({ subject: 'from-a' })
      await expect(outcome(b.verify('shared'))).resolves.toBe('inactive')
      expect([as.hitsFor('shared'), other.hitsFor('shared')]).toEqual([1, 1])
    } finally {
      await other.close()
    }
  })

  it('maxAge 0 always asks the server, and its fresh answer refreshes the cache', async () => {
    const opaque = strategy()
    as.answers.set('pay', active())
    await opaque.verify('pay')
    await opaque.verify('pay', { maxAgeMs: 0 })
    await opaque.verify('pay', { maxAgeMs: 0 })
    expect(as.hitsFor('pay')).toBe(3)
    as.answers.set('pay', { active: false }) // revoked at the server
    await expect(outcome(opaque.verify('pay', { maxAgeMs: 0 }))).resolves.toBe('inactive')
    await expect(outcome(opaque.verify('pay'))).resolves.toBe('inactive') // the cache learned it too
    expect(as.hitsFor('pay')).toBe(4)
  })

  it('a positive maxAge uses an entry up to that age', async () => {
    const opaque = strategy()
    as.answers.set('aged', active())
    await opaque.verify('aged')
    clock += 30_000
    await opaque.verify('aged', { maxAgeMs: 30000 })
    expect(as.hitsFor('aged')).toBe(1)
    clock += 1
    await opaque.verify('aged', { maxAgeMs: 30000 })
    expect(as.hitsFor('aged')).toBe(2)
  })

  it('evict() drops the entry, and an answer in flight at eviction is not stored', async () => {
    const opaque = strategy()
    as.answers.set('rev', active())
    await opaque.verify('rev')
    await opaque.verify('rev')
    opaque.evict('rev')
    await opaque.verify('rev')
    expect(as.hitsFor('rev')).toBe(2)

    opaque.evict('rev')
    as.delayMs = 30
    const inFlight = opaque.verify('rev')
    opaque.evict('rev') // revoked while the server is still answering
    const after = opaque.verify('rev') // does not join the pre-revocation request
    await Promise.all([inFlight, after])
    expect(as.hitsFor('rev')).toBe(4)
    await opaque.verify('rev') // the post-revocation answer was stored
    expect(as.hitsFor('rev')).toBe(4)
  })

  it('clear() drops every entry', async () => {
    const opaque = strategy()
    as.answers.set('x', active())
    as.answers.set('y', active())
    await opaque.verify('x')
    await opaque.verify('y')
    opaque.clear()
    await opaque.verify('x')
    await opaque.verify('y')
    expect(as.hits).toEqual(['x', 'y', 'x', 'y'])
  })

  it('is bounded: with cacheMax 10 and 20 tokens, the earliest is asked again', async () => {
    const opaque = strategy({ cacheMax: 10 })
    const tokens = Array.from({ length: 20 }, (_, i) => `lru-${i}`)
    for (const token of tokens) as.answers.set(token, active())
    for (const token of tokens) await opaque.verify(token)
    await opaque.verify('lru-19')
    expect(as.hitsFor('lru-19')).toBe(1)
    await opaque.verify('lru-0')
    expect(as.hitsFor('lru-0')).toBe(2)
  })

  it('cacheMax 0 disables the cache', async () => {
    const opaque = strategy({ cacheMax: 0 })
    as.answers.set('none', active())
    await opaque.verify('none')
    await opaque.verify('none')
    expect(as.hitsFor('none')).toBe(2)
  })
})
