import { LRUCache } from 'lru-cache'
import { InvalidTokenError, UnavailableError } from '../errors.js'
import type { EventListener } from '../events.js'
import { tokenFingerprint } from '../denylist/fingerprint.js'
import { sharedAnswerKey } from './answer-cache.js'
import { createIntrospectionClient as createClient } from './client.js'
import type { IssuerIntrospectionConfig, IssuerResolution } from '../keys/issuer-resolver.js'
import { createMetadataCache } from '../keys/discovery.js'
import { DEFAULTS } from '../options/defaults.js'
import type { ResolvedIntrospectionOptions } from '../options/introspection.js'
import type { ResolvedProfile } from '../profiles/types.js'
import type { RequestLike } from '../request.js'
import { createOpaqueStrategy, type OpaqueStrategy, type SharedCache } from '../strategies/opaque.js'
import { inspect, type OpaqueVerifier, type TokenSource, type Verified } from '../strategies/strategy.js'
import type { InspectedToken } from '../jws/decode.js'
import type { Dispatcher } from 'undici'

/**
 * Introspection with an issuer resolver. An opaque token names no issuer, so the request does
 * (`issuer.fromRequest`, or `verify(token, { issuer })`); the resolver then decides on that issuer
 * exactly as on a JWT's `iss` (same cache, same timeout, a refusal costs no fetch). Each trusted
 * issuer gets its own server, credentials and answer cache in one of at most `maxIssuers` slots:
 * a slot is freed when unused for the resolver's `cacheTtl`, and a new issuer is refused with 503
 * `issuer_limit` rather than evicting a live one (as key sets are, keys/bounded-key-sets.ts).
 * Answers are cached per issuer, endpoint and client id: two issuers never share one (the shared
 * tier keys an answer by the token and checks the scope stored with it).
 */

export interface PerIssuerOptions {
  resolution: IssuerResolution
  fromRequest: ((request: RequestLike) => string | undefined) | undefined
  maxIssuers: number
  /** How long an unused issuer keeps its slot, in ms. */
  idleTtl: number
  /** The validator's introspection bounds (timeouts, cache ages, sizes). */
  introspection: ResolvedIntrospectionOptions
  /** The endpoint URL rule (https, or http on loopback); throws `TypeError`. */
  checkEndpoint(url: string, name: string): string
  /** Back-off after a failed discovery, in ms. */
  cooldown: number
  clockToleranceMs: number
  dispatcher: Dispatcher | undefined
  sharedCache: SharedCache | undefined
  emit: EventListener
  now: () => number
}

interface Slot {
  config: IssuerIntrospectionConfig
  /** The decision's profile (audiences, claim dialect): a new decision gets a new slot. */
  profile: ResolvedProfile
  strategy: OpaqueStrategy
}

export function createPerIssuerIntrospection(options: PerIssuerOptions): OpaqueVerifier {
  const { resolution, introspection, now, emit } = options
  const slots = new LRUCache<string, Slot>({
    max: options.maxIssuers,
    ttl: options.idleTtl,
    updateAgeOnGet: true,
    perf: { now },
    ttlResolution: 0,
    dispose: (slot) => slot.strategy.clear(),
  })
  // The answer cache bound is shared by the issuers, so the total stays `introspection.cacheMax`.
  const cacheMax = Math.max(1, Math.floor(introspection.cacheMax / options.maxIssuers))

  function issuerOf(source: TokenSource | undefined): string {
    if (source?.issuer !== undefined) return source.issuer
    const request = source?.request
    if (request === undefined || options.fromRequest === undefined) throw unknownIssuer()
    let named: unknown
    try {
      named = options.fromRequest(request)
    } catch (error) {
      throw new UnavailableError({ reason: 'issuer_unavailable', retryAfter: 5, cause: error })
    }
    if (typeof named !== 'string' || named.length === 0) throw unknownIssuer()
    return named
  }

  async function strategyFor(issuer: string): Promise<OpaqueStrategy> {
    const trusted = await resolution.trust(issuer)
    if (trusted === undefined) throw unknownIssuer()
    const config = trusted.introspection
    if (config === undefined) throw new InvalidTokenError({ reason: 'issuer_not_introspected' })
    const key = `${issuer}\n${config.endpoint ?? ''}\n${config.clientId}`
    const found = slots.get(key)
    if (found !== undefined && found.profile === trusted.profile && sameConfig(found.config, config))
      return found.strategy
    // A fresh decision (after issuer.cacheTtl) may change the credentials, audience or profile.
    if (found !== undefined) slots.delete(key)
    slots.purgeStale()
    if (slots.size >= options.maxIssuers) {
      const oldest = slots.rkeys().next().value
      const wait = oldest === undefined ? 1000 : slots.getRemainingTTL(oldest)
      throw new UnavailableError({ reason: 'issuer_limit', retryAfter: Math.max(1, Math.ceil(wait / 1000)) })
    }
    const strategy = createOpaqueStrategy({
      client: createIntrospectionClient(issuer, config),
      cacheKeyScope: key,
      issuers: [issuer],
      issuer,
      audiences: [...trusted.profile.audiences],
      requireAudience: introspection.requireAudience,
      scopeClaim: trusted.profile,
      cacheMaxAgeMs: introspection.cacheMaxAgeMs,
      inactiveCacheMaxAgeMs: introspection.inactiveCacheMaxAgeMs,
      defaultCacheMaxAgeMs: introspection.defaultCacheMaxAgeMs,
      cacheMax,
      clockToleranceMs: options.clockToleranceMs,
      now,
      emit,
      sharedCache: options.sharedCache,
    })
    slots.set(key, { config, profile: trusted.profile, strategy })
    return strategy
  }

  function createIntrospectionClient(issuer: string, config: IssuerIntrospectionConfig) {
    return createClient({
      endpoint:
        config.endpoint ??
        discoveredIntrospectionEndpoint(issuer, {
          timeout: introspection.timeoutMs,
          cooldown: options.cooldown,
          checkEndpoint: options.checkEndpoint,
          dispatcher: options.dispatcher,
          emit,
          now,
        }),
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      clientAuth: config.clientAuth,
      timeout: introspection.timeoutMs,
      maxResponseBytes: introspection.maxResponseBytes,
      dispatcher: options.dispatcher,
      onEvent: emit,
    })
  }

  async function verifyInspected(
    token: string,
    inspected: InspectedToken,
    maxAgeMs: number | undefined,
    source?: TokenSource,
  ): Promise<Verified> {
    if (inspected.jws !== undefined) throw new InvalidTokenError({ reason: 'wrong_strategy' })
    const strategy = await strategyFor(issuerOf(source))
    return strategy.verifyInspected(token, inspected, maxAgeMs)
  }

  const verifier: OpaqueVerifier = {
    forRoute:
      ({ cacheMaxAgeMs }) =>
      async (token, source) =>
        verifyInspected(token, inspect(token), cacheMaxAgeMs, source),
    verifyInspected,
    async verify(token, verifyOptions = {}) {
      const strategy = await strategyFor(issuerOf({ issuer: verifyOptions.issuer }))
      return strategy.verify(token, { maxAgeMs: verifyOptions.maxAgeMs })
    },
    evictFingerprint(fingerprint, evictOptions) {
      for (const slot of slots.values()) slot.strategy.evictFingerprint(fingerprint, { shared: false })
      // The fleet's answer is keyed by the token alone: cleared once, even with no slot here for
      // the issuer that answered (the token does not say which one it was).
      if (evictOptions?.shared !== false)
        options.sharedCache?.delete(sharedAnswerKey(fingerprint)).catch(() => {})
    },
    evict(token) {
      verifier.evictFingerprint(tokenFingerprint(token))
    },
    clear() {
      for (const slot of slots.values()) slot.strategy.clear()
    },
  }
  return verifier
}

const unknownIssuer = () => new InvalidTokenError({ reason: 'unknown_issuer' })

const sameConfig = (a: IssuerIntrospectionConfig, b: IssuerIntrospectionConfig) =>
  a.endpoint === b.endpoint &&
  a.clientId === b.clientId &&
  a.clientSecret === b.clientSecret &&
  a.clientAuth === b.clientAuth

export interface DiscoveryBounds {
  timeout: number
  cooldown: number
  checkEndpoint(url: string, name: string): string
  dispatcher: Dispatcher | undefined
  emit: EventListener
  now: () => number
}

/**
 * The RFC 8414 `introspection_endpoint` of an approved issuer, fetched once (a metadata cache of its
 * own, freed with its client) and held to the configured URL rule: a 503 when it is missing or not
 * an acceptable URL, so the endpoint is never called.
 */
export function discoveredIntrospectionEndpoint(
  issuer: string,
  bounds: DiscoveryBounds,
): () => Promise<string> {
  const cache = createMetadataCache(issuer, {
    timeout: bounds.timeout,
    maxResponseBytes: DEFAULTS.discovery.maxResponseBytes,
    cooldownMs: bounds.cooldown,
    dispatcher: bounds.dispatcher,
    onEvent: bounds.emit,
    now: bounds.now,
  })
  return async () => {
    let endpoint: unknown
    try {
      endpoint = (await cache.get()).introspection_endpoint
    } catch (error) {
      throw new UnavailableError({ reason: 'introspection_unavailable', retryAfter: 5, cause: error })
    }
    if (typeof endpoint !== 'string')
      throw new UnavailableError({ reason: 'introspection_unavailable', retryAfter: 30 })
    try {
      return bounds.checkEndpoint(endpoint, 'introspection_endpoint')
    } catch (error) {
      throw new UnavailableError({ reason: 'introspection_unavailable', retryAfter: 30, cause: error })
    }
  }
}
