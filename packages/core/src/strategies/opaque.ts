import { performance } from 'node:perf_hooks'
import { buildAuthContext, withToken, type ClaimSource } from '../auth-context.js'
import { SingleFlight } from '../cache/single-flight.js'
import { tokenHash } from '../cache/token-hash.js'
import { tokenFingerprint } from '../denylist/fingerprint.js'
import { deepFreeze } from '../deep-freeze.js'
import { InvalidTokenError } from '../errors.js'
import type { EventListener } from '../events.js'
import { createAnswerCache, type Answer, type SharedCache } from '../introspection/answer-cache.js'
import type { IntrospectionClient } from '../introspection/client.js'
import { checkIntrospectionResponse, type ResponseRules } from '../introspection/response.js'
import type { InspectedToken } from '../jws/decode.js'
import type { AuthContext, TokenClaims } from '../types.js'
import { inspect, type OpaqueVerifier, type TokenStrategy, type Verified } from './strategy.js'

export type { SharedCache } from '../introspection/answer-cache.js'

/** The opaque strategy's resolved options (options/introspection.ts checks and defaults them). */
export interface OpaqueStrategyOptions {
  client: IntrospectionClient
  /** Endpoint + '\n' + client id: two validators asking different servers, or as different clients, never share answers. */
  cacheKeyScope: string
  /** Trusted issuers; a response whose `iss` is not listed is refused. */
  issuers: readonly string[]
  /** The one issuer this server answers for (with an issuer resolver): an answer without `iss` is its. */
  issuer?: string
  /** This resource's identifiers; a response `aud` must name one of them. */
  audiences: readonly string[]
  /** Refuse responses without `aud` (else `aud` is checked when present). */
  requireAudience: boolean
  /** Claim to read scopes from instead of `scope`/`scp`, or the issuer profile that says where scopes and roles are. */
  scopeClaim: ClaimSource
  /** Longest life of a cached active answer (never beyond its `exp`). */
  cacheMaxAgeMs: number
  inactiveCacheMaxAgeMs: number
  /** Life of an active answer without `exp` (capped by `cacheMaxAgeMs`). */
  defaultCacheMaxAgeMs: number
  /** Most cached answers; 0 disables the local cache. */
  cacheMax: number
  /** Leeway for `exp` and `nbf`. */
  clockToleranceMs: number
  now: () => number
  /** A fleet's shared tier (a `Store`): never used by calls with a `maxAgeMs`. */
  sharedCache: SharedCache | undefined
  /** Already wrapped by `safeListener`. */
  emit: EventListener
}

export interface OpaqueVerifyOptions {
  /**
   * Oldest answer this call accepts, in ms. Unset: any live cache entry. `0`: introspect fresh
   * (sensitive routes); such a call joins only a request that began at or after its own call time.
   */
  maxAgeMs?: number
}

interface Flight {
  slot: string
  startedAt: number
  /** Cleared when the flight is superseded, evicted or the cache cleared: its answer is then not stored. */
  cacheable: boolean
  /** May answer from the shared tier: only callers without a `maxAgeMs` start or join such a flight. */
  shared: boolean
}

/**
 * The RFC 7662 strategy for opaque tokens: introspection answers are checked (never trusted),
 * cached by a hash of the token for no longer than the token lives (introspection/answer-cache.ts),
 * and concurrent verifications of one token share one request.
 */
export function createOpaqueStrategy(options: OpaqueStrategyOptions) {
  const { client, cacheKeyScope, scopeClaim, now, emit } = options
  const rules: ResponseRules = {
    issuers: new Set(options.issuers),
    audiences: new Set(options.audiences),
    requireAudience: options.requireAudience,
    clockTolerance: options.clockToleranceMs / 1000,
  }
  // Answers are keyed by the token's fingerprint (a SHA-256 of it: one hash per request, and a
  // revocation that knows only the fingerprint finds the answer); this cache serves one scope, and
  // the shared tier checks the scope stored with each answer.
  const answers = createAnswerCache({ ...options, scope: tokenHash(cacheKeyScope) })
  const shareable = options.sharedCache !== undefined
  const flights = new SingleFlight<Answer>()
  /** The newest request per cache key: the only one later callers may join and whose answer is stored. */
  const newest = new Map<string, Flight>()
  let flightCount = 0

  async function verifyDetailed(token: string, verifyOptions: OpaqueVerifyOptions = {}): Promise<Verified> {
    const calledAt = now()
    const maxAgeMs = verifyOptions.maxAgeMs ?? Infinity
    const fingerprint = tokenFingerprint(token)
    const key = fingerprint

    const entry = answers.get(key, calledAt, maxAgeMs)
    if (entry !== undefined) {
      emit({ type: 'cache_hit', cache: 'introspection' })
      return { context: accept(token, entry.response, fingerprint), cached: true }
    }
    emit({ type: 'cache_miss', cache: 'introspection' })

    // Join a request only if it is fresh enough for this caller: for maxAge 0, one that began at or
    // after this call (same millisecond). An older one may have been answered before a revocation.
    let flight = newest.get(key)
    const shared = shareable && maxAgeMs === Infinity
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
    return { context: accept(token, answer.response, fingerprint), cached: false }
  }

  /** One request to the server (the client emits its `introspection` event); stores the answer unless superseded. */
  async function introspect(key: string, token: string, flight: Flight): Promise<Answer> {
    try {
      const fromShared = flight.shared ? await answers.readShared(key) : undefined
      if (fromShared !== undefined) {
        if (flight.cacheable) answers.store(key, fromShared, false)
        return fromShared
      }
      const answer: Answer = {
        response: deepFreeze(await client.introspect(token)),
        fetchedAt: flight.startedAt,
      }
      if (flight.cacheable) answers.store(key, answer, true)
      return answer
    } finally {
      // An outage is never cached: the next caller simply asks again.
      if (newest.get(key) === flight) newest.delete(key)
    }
  }

  /**
   * One frozen context per cached answer, built on its first use, without the token (the answer's
   * key is its hash; each caller brings the token it presented). Every hit shares its fields.
   */
  const contexts = new WeakMap<object, AuthContext>()

  function accept(
    token: string,
    response: Readonly<Record<string, unknown>>,
    fingerprint: string,
  ): AuthContext {
    checkIntrospectionResponse(response, now() / 1000, rules)
    let known = contexts.get(response)
    if (known === undefined) {
      // RFC 7662 §2.2 makes `iss` optional: the server we asked vouches for its own issuer.
      const claims =
        options.issuer !== undefined && response.iss === undefined
          ? { ...response, iss: options.issuer }
          : response
      known = buildAuthContext('opaque', '', claims as TokenClaims, scopeClaim)
      contexts.set(response, known)
    }
    return withToken(known, token, fingerprint)
  }

  /**
   * Forgets the cached answer by `tokenFingerprint(token)`: how a revocation from another instance
   * reaches this cache. `shared: false` leaves the fleet's shared tier alone (the revoking instance
   * clears it once).
   */
  function evictFingerprint(fingerprint: string, options: { shared?: boolean } = {}): void {
    answers.delete(fingerprint, options.shared !== false)
    const flight = newest.get(fingerprint)
    if (flight !== undefined) flight.cacheable = false
    newest.delete(fingerprint)
  }

  /** A token already inspected (hybrid routes): a JWS is not ours (opaque routes never introspect a JWT). */
  function verifyInspected(token: string, inspected: InspectedToken, maxAgeMs: number | undefined) {
    if (inspected.jws !== undefined) throw new InvalidTokenError({ reason: 'wrong_strategy' })
    return verifyDetailed(token, { maxAgeMs })
  }

  const strategy: TokenStrategy = {
    forRoute:
      ({ cacheMaxAgeMs }) =>
      async (token) =>
        verifyInspected(token, inspect(token), cacheMaxAgeMs),
  }

  const verifier: OpaqueVerifier = {
    ...strategy,
    verifyInspected,
    /** Resolves with the auth context of an active, acceptable token; throws `InvalidTokenError` or `UnavailableError`. */
    verify: async (token: string, verifyOptions?: OpaqueVerifyOptions) =>
      (await verifyDetailed(token, verifyOptions)).context,
    /** Forgets the cached answer for `token` (revocation); a request in flight for it is no longer cached or joined. */
    evict: (token: string) => evictFingerprint(tokenFingerprint(token)),
    /** The same, by `tokenFingerprint(token)`: how a revocation from another instance reaches this cache. */
    evictFingerprint,
    /** Forgets every cached answer. */
    clear() {
      answers.clear()
      for (const flight of newest.values()) flight.cacheable = false
      newest.clear()
    },
  }
  return Object.assign(verifier, { verifyDetailed })
}

export type OpaqueStrategy = ReturnType<typeof createOpaqueStrategy>
