import { UnavailableError } from '../errors.js'
import type { EventListener } from '../events.js'
import { DEFAULTS, type ResolvedOptions } from '../options.js'
import { createMetadataCache, type MetadataCache } from './discovery.js'
import type { KeySet } from './key-set.js'
import { createLocalKeySet } from './local-key-set.js'
import { createRemoteKeySet } from './remote-key-set.js'
import { createBoundedKeySets } from './bounded-key-sets.js'
import type { IssuerResolution, TrustedIssuer } from './issuer-resolver.js'

/**
 * Issuer metadata, fetched lazily and once per trusted issuer (RFC 8414 / OIDC discovery). Only
 * configured issuers ever get an entry: a token cannot make us discover an issuer it names.
 */
export function createIssuerMetadata(resolved: ResolvedOptions, emit: EventListener) {
  const caches = new Map<string, MetadataCache>()
  const timeout =
    resolved.jwt?.keySet.timeoutMs ?? resolved.introspection?.timeoutMs ?? DEFAULTS.jwt.keySet.timeoutMs

  function metadataFor(issuer: string): MetadataCache {
    let cache = caches.get(issuer)
    if (cache === undefined) {
      cache = createMetadataCache(issuer, {
        timeout,
        maxResponseBytes: DEFAULTS.discovery.maxResponseBytes,
        cooldownMs: resolved.jwt?.keySet.cooldownMs ?? DEFAULTS.jwt.keySet.cooldown * 1000,
        dispatcher: resolved.dispatcher,
        onEvent: emit,
        now: resolved.now,
      })
      caches.set(issuer, cache)
    }
    return cache
  }

  return {
    metadataFor,
    /** The issuer's `introspection_endpoint`; an outage (503) when it cannot be discovered. */
    async introspectionEndpoint(issuer: string): Promise<string> {
      try {
        const metadata = await metadataFor(issuer).get()
        if (typeof metadata.introspection_endpoint === 'string') return metadata.introspection_endpoint
      } catch (error) {
        throw new UnavailableError({ reason: 'introspection_unavailable', retryAfter: 5, cause: error })
      }
      throw new UnavailableError({ reason: 'introspection_unavailable', retryAfter: 30 })
    },
  }
}

export type IssuerMetadata = ReturnType<typeof createIssuerMetadata>

/**
 * The key set behind each trusted issuer: a local set or secret shared by all, one remote set for
 * an explicit `jwksUri`, or one remote set per issuer found through its metadata. With an issuer
 * resolver, each approved issuer's key set lives in a bounded cache (keys/bounded-key-sets.ts).
 */
export function createIssuerKeySets(
  resolved: ResolvedOptions,
  emit: EventListener,
  metadata: IssuerMetadata,
  /** The issuer resolver's decisions (shared with per-issuer introspection), when `issuer` is one. */
  resolution?: IssuerResolution,
) {
  const jwt = resolved.jwt!
  const listeners: Array<() => void> = []
  const perIssuer = new Map<string, KeySet>()
  const changed = () => listeners.forEach((listener) => listener())

  const remote = (jwksUri: string | (() => Promise<string>)) =>
    createRemoteKeySet({
      jwksUri,
      algorithms: jwt.algorithms,
      keySet: jwt.keySet,
      dispatcher: resolved.dispatcher,
      now: resolved.now,
      onEvent: emit,
    })

  const resolver = resolved.issuerResolver
  const shared: KeySet | undefined =
    jwt.secret !== undefined
      ? secretKeySet(jwt.secret)
      : jwt.jwks !== undefined
        ? createLocalKeySet(jwt.jwks, { algorithms: jwt.algorithms })
        : jwt.jwksUri !== undefined
          ? remote(jwt.jwksUri)
          : undefined
  shared?.onChange(changed)

  function keySetFor(issuer: string): KeySet {
    if (shared !== undefined) return shared
    let keySet = perIssuer.get(issuer)
    if (keySet === undefined) {
      keySet = remote(metadata.metadataFor(issuer).jwksUri)
      keySet.onChange(changed)
      perIssuer.set(issuer, keySet)
    }
    return keySet
  }

  const bounded =
    resolver &&
    createBoundedKeySets({
      max: resolver.maxIssuers,
      idleTtl: resolver.cacheTtl,
      cooldown: jwt.keySet.cooldownMs,
      now: resolved.now,
    })
  // A validator-wide jwt.jwks or jwt.jwksUri serves every approved issuer that names no key source.
  const remoteKeySet = (issuer: string, jwksUri: string | undefined): KeySet =>
    (jwksUri === undefined ? shared : undefined) ??
    bounded!.acquire(jwksUri === undefined ? `issuer ${issuer}` : `jwks_uri ${jwksUri}`, () => {
      const keySet = remote(jwksUri ?? discoveredJwksUri(issuer))
      keySet.onChange(changed)
      return keySet
    })
  const dynamic = resolver &&
    resolution && {
      async resolve(issuer: string): Promise<TrustedIssuer | undefined> {
        const trusted = await resolution.trust(issuer)
        if (trusted === undefined) return undefined
        const keySet = trusted.keySet ?? remoteKeySet(issuer, trusted.jwksUri)
        return { profile: trusted.profile, algorithms: trusted.algorithms, keySet }
      },
    }

  /** The discovered `jwks_uri` of an approved issuer, held to the same https rule as a configured one. */
  function discoveredJwksUri(issuer: string): () => Promise<string> {
    // Its own metadata cache, freed with its key set: the shared map is only for static issuers.
    const cache = createMetadataCache(issuer, {
      timeout: jwt.keySet.timeoutMs,
      maxResponseBytes: DEFAULTS.discovery.maxResponseBytes,
      cooldownMs: jwt.keySet.cooldownMs,
      dispatcher: resolved.dispatcher,
      onEvent: emit,
      now: resolved.now,
    })
    return async () => {
      const uri = await cache.jwksUri()
      try {
        return resolver!.checkEndpoint(uri, 'jwks_uri')
      } catch {
        throw new Error(`issuer ${issuer}: jwks_uri is not an https URL`)
      }
    }
  }

  return {
    keySetFor,
    /**
     * The seam the JWT strategy calls with a token's unverified `iss` (after its shape and
     * algorithm passed): the issuer's profile, algorithms and key set, or `undefined` when the
     * issuer is not trusted. Rejects only with a 503 `UnavailableError`.
     */
    resolve(issuer: string): TrustedIssuer | undefined | Promise<TrustedIssuer | undefined> {
      if (dynamic !== undefined) return dynamic.resolve(issuer)
      const profile = resolved.profiles.get(issuer)
      return profile === undefined
        ? undefined
        : { profile, algorithms: jwt.algorithms, keySet: keySetFor(issuer) }
    },
    onChange(listener: () => void): void {
      listeners.push(listener)
    },
    async ready(): Promise<void> {
      // A template's listed tenants are known in advance: load their keys like listed issuers'.
      if (dynamic !== undefined) {
        const listed = resolver!.listed ?? []
        await Promise.all(listed.map(async (issuer) => (await dynamic.resolve(issuer))?.keySet.ready()))
        return
      }
      if (shared !== undefined) return shared.ready()
      await Promise.all(resolved.issuers.map((issuer) => keySetFor(issuer).ready()))
    },
    close(): void {
      shared?.close()
      for (const keySet of perIssuer.values()) keySet.close()
      bounded?.close()
    },
  }
}

/** HS* tokens (only with an explicit secret): the secret is the one key, whatever the header says. */
function secretKeySet(secret: Uint8Array): KeySet {
  return {
    getKey: async () => secret,
    knownKey: () => secret,
    ready: async () => {},
    onChange: () => {},
    close: () => {},
  }
}
