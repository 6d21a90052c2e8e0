import { UnavailableError } from '../errors.js'
import type { EventListener } from '../events.js'
import type { ResolvedOptions } from '../options.js'
import { createMetadataCache, type MetadataCache } from './discovery.js'
import type { KeySet } from './key-set.js'
import { createLocalKeySet } from './local-key-set.js'
import { createRemoteKeySet } from './remote-key-set.js'

/**
 * Issuer metadata, fetched lazily and once per trusted issuer (RFC 8414 / OIDC discovery). Only
 * configured issuers ever get an entry: a token cannot make us discover an issuer it names.
 */
export function createIssuerMetadata(resolved: ResolvedOptions, emit: EventListener) {
  const caches = new Map<string, MetadataCache>()
  const timeout = resolved.jwt?.keySet.timeout ?? resolved.introspection?.timeout ?? 3000

  function metadataFor(issuer: string): MetadataCache {
    let cache = caches.get(issuer)
    if (cache === undefined) {
      cache = createMetadataCache(issuer, {
        timeout,
        maxResponseBytes: 65_536,
        cooldown: resolved.jwt?.keySet.cooldown ?? 30_000,
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
 * an explicit `jwksUri`, or one remote set per issuer found through its metadata.
 */
export function createIssuerKeySets(
  resolved: ResolvedOptions,
  emit: EventListener,
  metadata: IssuerMetadata,
) {
  const jwt = resolved.jwt!
  const listeners: Array<() => void> = []
  const perIssuer = new Map<string, KeySet>()

  const remote = (jwksUri: string | (() => Promise<string>)) =>
    createRemoteKeySet({
      jwksUri,
      algorithms: jwt.algorithms,
      cacheMaxAge: jwt.keySet.cacheMaxAge,
      cooldown: jwt.keySet.cooldown,
      staleIfError: jwt.keySet.staleIfError,
      timeout: jwt.keySet.timeout,
      maxResponseBytes: jwt.keySet.maxResponseBytes,
      dispatcher: resolved.dispatcher,
      now: resolved.now,
      onEvent: emit,
    })

  const shared: KeySet | undefined =
    jwt.secret !== undefined
      ? secretKeySet(jwt.secret)
      : jwt.jwks !== undefined
        ? createLocalKeySet(jwt.jwks, { algorithms: jwt.algorithms })
        : jwt.jwksUri !== undefined
          ? remote(jwt.jwksUri)
          : undefined
  shared?.onChange(() => listeners.forEach((listener) => listener()))

  function keySetFor(issuer: string): KeySet {
    if (shared !== undefined) return shared
    let keySet = perIssuer.get(issuer)
    if (keySet === undefined) {
      keySet = remote(metadata.metadataFor(issuer).jwksUri)
      keySet.onChange(() => listeners.forEach((listener) => listener()))
      perIssuer.set(issuer, keySet)
    }
    return keySet
  }

  return {
    keySetFor,
    onChange(listener: () => void): void {
      listeners.push(listener)
    },
    async ready(): Promise<void> {
      if (shared !== undefined) return shared.ready()
      await Promise.all(resolved.issuers.map((issuer) => keySetFor(issuer).ready()))
    },
    close(): void {
      shared?.close()
      for (const keySet of perIssuer.values()) keySet.close()
    },
  }
}

/** HS* tokens (only with an explicit secret): the secret is the one key, whatever the header says. */
function secretKeySet(secret: Uint8Array): KeySet {
  return {
    getKey: async () => secret,
    ready: async () => {},
    onChange: () => {},
    close: () => {},
  }
}
