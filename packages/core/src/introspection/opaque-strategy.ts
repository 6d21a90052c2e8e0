import { LRUCache } from 'lru-cache'
import { performance } from 'node:perf_hooks'
import { buildAuthContext, type ClaimSource } from '../auth-context.js'
import { SingleFlight } from '../cache/single-flight.js'
import { tokenHash } from '../cache/token-hash.js'
import { tokenFingerprint } from '../denylist/fingerprint.js'
import { deepFreeze } from '../deep-freeze.js'
import { InvalidTokenError, type RejectReason } from '../errors.js'
import { safeListener, type EventListener } from '../events.js'
import type { AuthContext, TokenClaims } from '../types.js'
import type { IntrospectionClient } from './client.js'

export interface OpaqueStrategyOptions {
  client: IntrospectionClient
  /** Endpoint + '\n' + client id: two validators asking different servers, or as different clients, never share answers. */
  cacheKeyScope: string
  /** Trusted issuers; a response whose `iss` is not listed is refused. */
  issuers: readonly string[]
  /** This resource's identifiers; a response `aud` must name one of them. */
  audiences: readonly string[]
  /** Refuse responses without `aud`. Default false: `aud` is checked when present. */
  requireAudience?: boolean
  /** Claim to read scopes from instead of `scope`/`scp`, or the issuer profile that says where scopes and roles are. */
  scopeClaim?: ClaimSource
  /** Longest life, in seconds, of a cached active answer (never beyond its `exp`). Default 300. */
  cacheMaxAge?: number
  /** Life, in seconds, of a cached inactive answer. Default 10. */
  inactiveCacheMaxAge?: number
  /** Life, in seconds, of an active answer without `exp` (capped by `cacheMaxAge`). Default 30. */
  defaultCacheMaxAge?: number
  /** Most cached answers (least recently used go first); 0 disables the cache. Default 10 000. */
  cacheMax?: number
  /** Leeway for `exp` and `nbf`, in seconds. Default 5. */
  clockTolerance?: number
  /** Clock in milliseconds since the epoch (a test seam). Default `Date.now`. */
  now?: () => number
  /**
   * A cache tier shared by a fleet (a `Store`): consulted after a local miss, written after every
   * answer, so N instances ask the server once per token. Never used by calls with a `maxAge`.
   */
  sharedCache?: SharedCache
  /** Receives `cache_hit`/`cache_miss` and, for callers that joined an in-flight request, `introspection` with `coalesced: true`. */
  onEvent?: EventListener
}

export interface OpaqueVerifyOptions {
  /**
   * Oldest answer, in seconds, this call accepts. Unset: any live cache entry. `0`: introspect
   * fresh (sensitive routes); such a call joins only a request that began at or after its own call time.
   */
  maxAge?: number
}

/** The part of a `Store` the strategy uses. Failures count as a miss: the server is asked instead. */
export interface SharedCache {
  get(key: string): Promise<string | undefined>
  set(key: string, value: string, ttlMs: number): Promise<void>
  delete(key: string): Promise<void>
}

export interface OpaqueStrategy {
  /** Resolves with the auth context of an active, acceptable token; throws `InvalidTokenError` or `UnavailableError`. */
  verify(token: string, options?: OpaqueVerifyOptions): Promise<AuthContext>
  /** Like `verify`, and tells whether the answer came from the cache (for the `accepted` event). */
  verifyDetailed(
    token: string,
    options?: OpaqueVerifyOptions,
  ): Promise<{ context: AuthContext; cached: boolean }>
  /** Forgets the cached answer for `token` (revocation); a request in flight for it is no longer cached or joined. */
  evict(token: string): void
  /**
   * The same, by `tokenFingerprint(token)`: how a revocation from another instance reaches this
   * cache. `shared: false` leaves the fleet's shared tier alone (the revoking instance clears it once).
   */
  evictFingerprint(fingerprint: string, options?: { shared?: boolean }): void
  /** Forgets every cached answer. */
  clear(): void
}

interface Answer {
  response: Readonly<Record<string, unknown>>
  /** When the request that produced it was *sent* (ms): an answer is as old as its question. */
  fetchedAt: number
}

interface Entry extends Answer {
  expiresAt: number
}

interface Flight {
  slot: string
  startedAt: number
  /** Cleared when the flight is superseded, evicted or the cache cleared: its answer is then not stored. */
  cacheable: boolean
  /** May answer from the shared tier: only callers without a `maxAge` start or join such a flight. */
  shared: boolean
}

/**
 * The RFC 7662 strategy for opaque tokens: introspection answers are checked (never trusted),
 * cached by a hash of the token in a bounded LRU for no longer than the token lives, and concurrent
 * verifications of one token share one request.
 *
 * @example
 * ```ts
 * const opaque = createOpaqueStrategy({
 *   client,                                   // createIntrospectionClient(…)
 *   cacheKeyScope: `${endpoint}\n${clientId}`,
 *   issuers: ['https://login.example.com/'],
 *   audiences: ['https://api.example.com'],
 * })
 * const auth = await opaque.verify(token)                    // cached for up to 300 s
 * const fresh = await opaque.verify(token, { maxAge: 0 })    // sensitive route: always asks
 * ```
 */
export function createOpaqueStrategy(options: OpaqueStrategyOptions): OpaqueStrategy {
  const config = resolve(options)
  const { client, cacheKeyScope, scopeClaim, now } = config
  const sharedCache = options.sharedCache
  const emit = safeListener(options.onEvent)
  const rules: ResponseRules = {
    issuers: new Set(config.issuers),
    audiences: new Set(config.audiences),
    requireAudience: config.requireAudience,
    clockTolerance: config.clockTolerance,
  }
  // LRU ttls run on the real clock and only bound memory; `expiresAt` on our clock decides.
  const cache =
    config.cacheMax > 0
      ? new LRUCache<string, Entry>({
          max: config.cacheMax,
          ttl: Math.ceil(1000 * Math.max(config.cacheMaxAge, config.inactiveCacheMaxAge, 1)),
          ttlAutopurge: false,
        })
      : undefined
  const flights = new SingleFlight<Answer>()
  /** The newest request per cache key: the only one later callers may join and whose answer is stored. */
  const newest = new Map<string, Flight>()
  let flightCount = 0

  async function verifyDetailed(
    token: string,
    verifyOptions: OpaqueVerifyOptions = {},
  ): Promise<{ context: AuthContext; cached: boolean }> {
    const calledAt = now()
    const maxAgeMs = verifyOptions.maxAge === undefined ? Infinity : verifyOptions.maxAge * 1000
    const key = tokenHash(tokenFingerprint(token), cacheKeyScope)

    const entry = cache?.get(key)
    if (
      entry !== undefined &&
      entry.expiresAt > calledAt &&
      maxAgeMs > 0 &&
      calledAt - entry.fetchedAt <= maxAgeMs
    ) {
      emit({ type: 'cache_hit', cache: 'introspection' })
      return { context: accept(token, entry.response), cached: true }
    }
    emit({ type: 'cache_miss', cache: 'introspection' })

    // Join a request only if it is fresh enough for this caller: for maxAge 0, one that began at or
    // after this call (same millisecond). An older one may have been answered before a revocation.
    let flight = newest.get(key)
    const shared = sharedCache !== undefined && maxAgeMs === Infinity
    if (flight === undefined || !(flight.startedAt >= calledAt - maxAgeMs) || (flight.shared && !shared)) {
      if (flight !== undefined) flight.cacheable = false
      flight = { slot: `${key}#${++flightCount}`, startedAt: calledAt, cacheable: true, shared }
      newest.set(key, flight)
    }
    const current = flight
    const started = performance.now()
    const { promise, joined } = flights.run(current.slot, () => introspect(key, token, current))
    let answer: Answer
    try {
      answer = await promise
    } catch (error) {
      if (joined)
        emit({
          type: 'introspection',
          outcome: 'error',
          durationMs: performance.now() - started,
          coalesced: true,
        })
      throw error
    }
    if (joined) {
      const outcome = answer.response.active === true ? 'active' : 'inactive'
      emit({ type: 'introspection', outcome, durationMs: performance.now() - started, coalesced: true })
    }
    return { context: accept(token, answer.response), cached: false }
  }

  /** One request to the server (the client emits its `introspection` event); stores the answer unless superseded. */
  async function introspect(key: string, token: string, flight: Flight): Promise<Answer> {
    try {
      const fromShared = flight.shared ? await readShared(key) : undefined
      if (fromShared !== undefined) {
        if (flight.cacheable) store(key, fromShared)
        return fromShared
      }
      const answer: Answer = {
        response: deepFreeze(await client.introspect(token)),
        fetchedAt: flight.startedAt,
      }
      if (flight.cacheable) writeShared(key, store(key, answer))
      return answer
    } finally {
      // An outage is never cached: the next caller simply asks again.
      if (newest.get(key) === flight) newest.delete(key)
    }
  }

  async function readShared(key: string): Promise<Answer | undefined> {
    try {
      const text = await sharedCache!.get(key)
      if (text === undefined) return undefined
      const entry = JSON.parse(text) as Entry
      if (typeof entry.expiresAt !== 'number' || entry.expiresAt <= now()) return undefined
      emit({ type: 'cache_hit', cache: 'shared' })
      return { response: deepFreeze(entry.response), fetchedAt: entry.fetchedAt }
    } catch {
      return undefined // a shared tier that is down or holds garbage is a miss, never an answer
    }
  }

  function writeShared(key: string, entry: Entry | undefined): void {
    if (sharedCache === undefined || entry === undefined) return
    const ttl = Math.floor(entry.expiresAt - now())
    if (ttl > 0) sharedCache.set(key, JSON.stringify(entry), ttl).catch(() => {})
  }

  /** Caches an answer locally; returns the entry (with its expiry) for the shared tier. */
  function store(key: string, answer: Answer): Entry | undefined {
    const { response, fetchedAt } = answer
    let expiresAt: number
    if (response.active !== true) {
      // RFC 7662 §4: a short negative cache spares the server a burst of retries with a dead token.
      expiresAt = fetchedAt + config.inactiveCacheMaxAge * 1000
    } else {
      // RFC 7662 §4: never cache beyond `exp`; without one, only for a short default.
      const exp =
        typeof response.exp === 'number' && Number.isFinite(response.exp) ? response.exp * 1000 : undefined
      expiresAt = Math.min(
        fetchedAt + config.cacheMaxAge * 1000,
        exp ?? fetchedAt + config.defaultCacheMaxAge * 1000,
      )
    }
    const ttl = Math.floor(expiresAt - now())
    const entry = { response, fetchedAt, expiresAt }
    if (ttl > 0) cache?.set(key, entry, { ttl })
    return ttl > 0 ? entry : undefined
  }

  /** One frozen context per cached answer, built on its first use and shared by every later hit. */
  const contexts = new WeakMap<object, AuthContext>()

  function accept(token: string, response: Readonly<Record<string, unknown>>): AuthContext {
    checkIntrospectionResponse(response, now() / 1000, rules)
    const known = contexts.get(response)
    if (known !== undefined && known.token === token) return known
    const context = buildAuthContext('opaque', token, response as TokenClaims, scopeClaim)
    contexts.set(response, context)
    return context
  }

  function evictFingerprint(fingerprint: string, options: { shared?: boolean } = {}): void {
    const key = tokenHash(fingerprint, cacheKeyScope)
    cache?.delete(key)
    forget(newest.get(key))
    newest.delete(key)
    if (options.shared !== false) sharedCache?.delete(key).catch(() => {})
  }

  function forget(flight: Flight | undefined): void {
    if (flight !== undefined) flight.cacheable = false
  }

  return {
    verify: async (token, verifyOptions) => (await verifyDetailed(token, verifyOptions)).context,
    verifyDetailed,
    evict: (token) => evictFingerprint(tokenFingerprint(token)),
    evictFingerprint,
    clear() {
      cache?.clear()
      for (const flight of newest.values()) forget(flight)
      newest.clear()
    },
  }
}

const REFRESH_TOKEN_TYPES = new Set(['refresh_token', 'urn:ietf:params:oauth:token-type:refresh_token'])

interface ResponseRules {
  issuers: ReadonlySet<string>
  audiences: ReadonlySet<string>
  requireAudience: boolean
  clockTolerance: number
}

/**
 * The answer is checked, not trusted (RFC 7662 §4: a shared or misconfigured server may vouch for
 * tokens meant for another resource). Runs on every fresh answer and again on every cache hit.
 */
export function checkIntrospectionResponse(
  response: Readonly<Record<string, unknown>>,
  nowSeconds: number,
  rules: ResponseRules,
): void {
  // RFC 7662 §2.2: `active` is a boolean; only the JSON value `true` means active ("true" does not).
  if (response.active !== true) throw reject('inactive')
  const { exp, nbf, iss, aud, token_type: tokenType, scope, sub, client_id: clientId } = response
  for (const value of [exp, nbf])
    if (value !== undefined && !isNumericDate(value)) throw reject('invalid_claim')
  for (const value of [iss, sub, clientId, tokenType]) {
    if (value !== undefined && typeof value !== 'string') throw reject('invalid_claim')
  }
  if (aud !== undefined && !isStringOrStringList(aud)) throw reject('invalid_claim')
  if (scope !== undefined && !isStringOrStringList(scope)) throw reject('invalid_claim')

  // A server may still say `active` until its own sweep runs; a past `exp` wins.
  if (typeof exp === 'number' && nowSeconds - rules.clockTolerance >= exp) throw reject('expired')
  if (typeof nbf === 'number' && nowSeconds + rules.clockTolerance < nbf) throw reject('not_yet_valid')
  if (typeof iss === 'string' && !rules.issuers.has(iss)) throw reject('unknown_issuer')
  // RFC 7662 §2.2 `aud`: a token minted for another resource must not open this one.
  if (aud === undefined ? rules.requireAudience : !toList(aud).some((value) => rules.audiences.has(value))) {
    throw reject('wrong_audience')
  }
  // Some servers introspect refresh tokens too; one is never a bearer credential for a resource.
  // RFC 7662 §2.2 names `token_type` loosely: servers say `refresh_token` or the RFC 8693 URI.
  if (typeof tokenType === 'string' && REFRESH_TOKEN_TYPES.has(tokenType.toLowerCase()))
    throw reject('refresh_token')
}

// Year 5138: a NumericDate beyond this is a mistake or an attack (1e308 parses as a number).
const LATEST_NUMERIC_DATE = 1e11

function isNumericDate(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= LATEST_NUMERIC_DATE
}

function isStringOrStringList(value: unknown): boolean {
  return (
    typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'))
  )
}

function toList(value: unknown): string[] {
  return typeof value === 'string' ? [value] : (value as string[])
}

function reject(reason: RejectReason): InvalidTokenError {
  return new InvalidTokenError({ reason })
}

function resolve(options: OpaqueStrategyOptions) {
  const name = 'createOpaqueStrategy'
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${name}: options must be an object`)
  if (typeof options.client?.introspect !== 'function')
    throw new TypeError(`${name}: \`client\` must be an introspection client`)
  if (typeof options.cacheKeyScope !== 'string' || options.cacheKeyScope === '') {
    throw new TypeError(`${name}: \`cacheKeyScope\` must be a non-empty string`)
  }
  for (const list of ['issuers', 'audiences'] as const) {
    const value: unknown = options[list]
    if (
      !Array.isArray(value) ||
      value.length === 0 ||
      !value.every((item) => typeof item === 'string' && item !== '')
    ) {
      throw new TypeError(`${name}: \`${list}\` must be a non-empty list of strings`)
    }
  }
  const seconds = (key: keyof OpaqueStrategyOptions, fallback: number): number => {
    const value = options[key] ?? fallback
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`${name}: \`${key}\` must be a non-negative number`)
    }
    return value
  }
  if (options.now !== undefined && typeof options.now !== 'function')
    throw new TypeError(`${name}: \`now\` must be a function`)
  return {
    client: options.client,
    cacheKeyScope: options.cacheKeyScope,
    issuers: options.issuers,
    audiences: options.audiences,
    requireAudience: options.requireAudience === true,
    scopeClaim: options.scopeClaim,
    cacheMaxAge: seconds('cacheMaxAge', 300),
    inactiveCacheMaxAge: seconds('inactiveCacheMaxAge', 10),
    defaultCacheMaxAge: seconds('defaultCacheMaxAge', 30),
    cacheMax: Math.floor(seconds('cacheMax', 10_000)),
    clockTolerance: seconds('clockTolerance', 5),
    now: options.now ?? Date.now,
  }
}
