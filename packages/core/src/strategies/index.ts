import type { EventListener } from '../events.js'
import { createIntrospectionClient } from '../introspection/client.js'
import { createIssuerKeySets, type IssuerMetadata } from '../keys/issuer-key-sets.js'
import type { ResolvedOptions } from '../options.js'
import type { Store } from '../store/store.js'
import type { Strategy } from '../types.js'
import { createHybridStrategy } from './hybrid.js'
import { createJwtStrategy, type JwtStrategy } from './jwt.js'
import { createOpaqueStrategy, type OpaqueStrategy } from './opaque.js'
import type { TokenStrategy } from './strategy.js'

export interface Strategies {
  jwt: JwtStrategy | undefined
  opaque: OpaqueStrategy | undefined
  /** What a route's `strategy` names; undefined when the validator lacks its options. */
  byName: Readonly<Record<Strategy, TokenStrategy | undefined>>
  keySets: ReturnType<typeof createIssuerKeySets> | undefined
}

/** Builds the strategies the validator's options allow, once; routes pick theirs by name when built. */
export function createStrategies(
  resolved: ResolvedOptions,
  emit: EventListener,
  metadata: IssuerMetadata,
  sharedStore: Store | undefined,
): Strategies {
  const keySets = resolved.jwt === undefined ? undefined : createIssuerKeySets(resolved, emit, metadata)
  const jwt =
    resolved.jwt === undefined || keySets === undefined
      ? undefined
      : createJwtStrategy({
          jwt: resolved.jwt,
          issuers: resolved.issuers,
          audiences: resolved.audiences,
          scopeClaim: resolved.scopeClaim,
          resolveIssuer: keySets.resolve,
          now: resolved.now,
          emit,
        })
  if (jwt !== undefined) keySets?.onChange(() => jwt.clearCache())
  const opaque = createOpaque(resolved, emit, metadata, sharedStore)
  const hybrid = jwt !== undefined && opaque !== undefined ? createHybridStrategy(jwt, opaque) : undefined
  return { jwt, opaque, byName: { jwt, opaque, hybrid }, keySets }
}

function createOpaque(
  resolved: ResolvedOptions,
  emit: EventListener,
  metadata: IssuerMetadata,
  sharedStore: Store | undefined,
): OpaqueStrategy | undefined {
  const introspection = resolved.introspection
  if (introspection === undefined) return undefined
  const issuer = resolved.issuers[0]!
  const endpoint = introspection.endpoint ?? (() => metadata.introspectionEndpoint(issuer))
  const client = createIntrospectionClient({
    endpoint,
    clientId: introspection.clientId,
    clientSecret: introspection.clientSecret,
    clientAuth: introspection.clientAuth,
    timeout: introspection.timeoutMs,
    maxResponseBytes: introspection.maxResponseBytes,
    dispatcher: resolved.dispatcher,
    onEvent: emit,
  })
  const issuerProfile = resolved.profiles.get(issuer)!
  return createOpaqueStrategy({
    client,
    // A discovered endpoint is unknown here; the issuer names it just as uniquely.
    cacheKeyScope: `${introspection.endpoint ?? issuer}\n${introspection.clientId}`,
    issuers: resolved.issuers,
    audiences: resolved.audiences,
    requireAudience: introspection.requireAudience,
    // Scopes and roles of an answer are read as its issuer's profile says.
    scopeClaim: (claims) => resolved.profiles.get(claims.iss as string) ?? issuerProfile,
    cacheMaxAgeMs: introspection.cacheMaxAgeMs,
    inactiveCacheMaxAgeMs: introspection.inactiveCacheMaxAgeMs,
    defaultCacheMaxAgeMs: introspection.defaultCacheMaxAgeMs,
    cacheMax: introspection.cacheMax,
    clockToleranceMs: resolved.clockToleranceMs,
    now: resolved.now,
    emit,
    // Only a store the user gives is shared with other instances; the default one would only copy the local cache.
    sharedCache: sharedStore,
  })
}
