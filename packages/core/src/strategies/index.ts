import type { EventListener } from '../events.js'
import { DEFAULTS } from '../options/defaults.js'
import { createIntrospectionClient } from '../introspection/client.js'
import { createPerIssuerIntrospection } from '../introspection/per-issuer.js'
import { createIssuerKeySets, type IssuerMetadata } from '../keys/issuer-key-sets.js'
import { createIssuerResolution, type IssuerResolution } from '../keys/issuer-resolver.js'
import type { ResolvedOptions } from '../options.js'
import type { Store } from '../store/store.js'
import type { Strategy } from '../types.js'
import { createHybridStrategy } from './hybrid.js'
import { createJwtStrategy, type JwtStrategy } from './jwt.js'
import { createOpaqueStrategy, type OpaqueStrategy } from './opaque.js'
import type { OpaqueVerifier, TokenStrategy } from './strategy.js'

export interface Strategies {
  jwt: JwtStrategy | undefined
  opaque: OpaqueVerifier | undefined
  /** With an issuer resolver: its decisions, shared by JWT key sets and per-issuer introspection. */
  resolution: IssuerResolution | undefined
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
  const resolution = createResolution(resolved)
  const keySets =
    resolved.jwt === undefined ? undefined : createIssuerKeySets(resolved, emit, metadata, resolution)
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
  const opaque =
    resolution === undefined
      ? createOpaque(resolved, emit, metadata, sharedStore)
      : createPerIssuerOpaque(resolved, resolution, emit, sharedStore)
  const hybrid = jwt !== undefined && opaque !== undefined ? createHybridStrategy(jwt, opaque) : undefined
  return { jwt, opaque, resolution, byName: { jwt, opaque, hybrid }, keySets }
}

/** The issuer resolver's decisions, asked for a JWT's `iss` and for the issuer a request names alike. */
function createResolution(resolved: ResolvedOptions): IssuerResolution | undefined {
  const spec = resolved.issuerResolver
  if (spec === undefined) return undefined
  const introspection = resolved.introspection
  return createIssuerResolution({
    spec,
    algorithms: resolved.jwt?.algorithms ?? [],
    checkIssuer: spec.checkIssuer,
    checkEndpoint: spec.checkEndpoint,
    profileFor: spec.profileFor,
    introspection:
      introspection === undefined
        ? undefined
        : {
            clientId: introspection.clientId || undefined,
            clientSecret: introspection.clientSecret || undefined,
            clientAuth: introspection.clientAuth,
          },
    now: resolved.now,
  })
}

function createPerIssuerOpaque(
  resolved: ResolvedOptions,
  resolution: IssuerResolution,
  emit: EventListener,
  sharedStore: Store | undefined,
): OpaqueVerifier | undefined {
  const introspection = resolved.introspection
  const spec = resolved.issuerResolver!
  if (introspection === undefined) return undefined
  return createPerIssuerIntrospection({
    resolution,
    fromRequest: spec.fromRequest,
    maxIssuers: spec.maxIssuers,
    idleTtl: spec.cacheTtl,
    introspection,
    checkEndpoint: spec.checkEndpoint,
    cooldown: resolved.jwt?.keySet.cooldownMs ?? DEFAULTS.jwt.keySet.cooldown * 1000,
    clockToleranceMs: resolved.clockToleranceMs,
    dispatcher: resolved.dispatcher,
    sharedCache: sharedStore,
    emit,
    now: resolved.now,
  })
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
