import type { Dispatcher } from 'undici'
import { InvalidTokenError, UnavailableError } from '../errors.js'
import { safeListener, type EventListener } from '../events.js'
import { httpRequest } from '../http.js'
import type { ResolvedKeySetOptions } from '../options/jwt.js'
import { parseKeySetResponse, rotationBetween, type KeySetSnapshot } from './jwks-response.js'
import type { KeySet } from './key-set.js'
import { isNoMatchingKey, rememberedKey, selectKey } from './local-key-set.js'

/**
 * A JWK set fetched from the issuer's `jwks_uri` (RFC 8414 §2, RFC 7517 §5). This file is the
 * refresh policy and its state; keys/jwks-response.ts parses what is fetched. Refreshed lazily on
 * demand (no timers): when the cached set expires, and when a token names a `kid` the set lacks
 * (the usual sign of a key rotation), at most once per cooldown so that a flood of made-up `kid`s
 * cannot turn into a flood of fetches. While the endpoint fails, the last good set is served for a
 * bounded stale-if-error window; after that requests fail closed with 503.
 */

export interface RemoteKeySetOptions {
  /** The JWK set URL (checked where it entered), or a function that finds it (from issuer metadata) when first needed. */
  jwksUri: string | (() => Promise<string>)
  /** The JWS algorithms tokens may use, resolved (`jwt.algorithms`). */
  algorithms: readonly string[]
  /** Freshness, cooldown, stale-if-error and fetch limits, resolved (`jwt.keySet`, durations in ms). */
  keySet: ResolvedKeySetOptions
  dispatcher?: Dispatcher
  /** Clock in ms (a test seam). Default `Date.now`. */
  now?: () => number
  onEvent?: EventListener
}

interface Snapshot extends KeySetSnapshot {
  fetchedAt: number
}

/**
 * A remote key set with one fetch in flight at a time, cooldown-limited refetches on unknown `kid`,
 * and a bounded stale-if-error window.
 *
 * @example
 * ```ts
 * const keySet = resolveOptions(options).jwt.keySet
 * const keys = createRemoteKeySet({ jwksUri: 'https://login.example.com/jwks', algorithms: ['RS256'], keySet })
 * keys.onChange(() => verifiedTokens.clear())
 * await keys.ready()
 * const { payload } = await jwtVerify(token, (header) => keys.getKey(header), { algorithms: ['RS256'] })
 * ```
 */
export function createRemoteKeySet(options: RemoteKeySetOptions): KeySet {
  const { jwksUri, algorithms } = options
  const {
    cacheMaxAgeMs: cacheMaxAge,
    cooldownMs: cooldown,
    staleIfErrorMs: staleIfError,
    timeoutMs: timeout,
    maxResponseBytes: maxBytes,
    maxKeys,
  } = options.keySet
  const now = options.now ?? Date.now
  const emit = safeListener(options.onEvent)
  const listeners = new Set<() => void>()

  let current: Snapshot | undefined
  let attemptAt: number | undefined
  /** The error of the latest finished attempt; undefined after a success. */
  let lastError: Error | undefined
  let inFlight: Promise<void> | undefined
  let url = typeof jwksUri === 'string' ? jwksUri : ''

  async function fetchOnce(): Promise<void> {
    attemptAt = now()
    const started = performance.now()
    try {
      url = typeof jwksUri === 'string' ? jwksUri : await jwksUri()
      const response = await httpRequest(url, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        timeout,
        maxBytes,
        dispatcher: options.dispatcher,
      })
      const next: Snapshot = {
        ...(await parseKeySetResponse(response.status, response.text, maxKeys)),
        fetchedAt: now(),
      }
      const changed = current !== undefined && current.fingerprint !== next.fingerprint
      // A rotation (the set differs from the previous good one): how many keys came and went.
      const rotation = rotationBetween(current, next)
      current = next
      lastError = undefined
      emit({
        type: 'keys_fetch',
        url,
        outcome: 'ok',
        durationMs: performance.now() - started,
        keys: next.keys,
        ...rotation,
      })
      if (changed) {
        for (const listener of listeners) {
          try {
            listener()
          } catch {
            // A cache-flush bug must not make the new keys unusable.
          }
        }
      }
    } catch (error) {
      lastError = error instanceof Error ? error : new Error(String(error))
      const age = current === undefined ? Infinity : now() - current.fetchedAt
      const staleServed = age >= cacheMaxAge && age < cacheMaxAge + staleIfError
      emit({
        type: 'keys_fetch',
        url,
        outcome: 'error',
        durationMs: performance.now() - started,
        staleServed,
        error: lastError.message,
      })
    }
  }

  /** Starts a fetch or joins the one in flight; never rejects (the outcome is in the state). */
  function refresh(): Promise<void> {
    inFlight ??= (async () => {
      try {
        await fetchOnce()
      } finally {
        inFlight = undefined
      }
    })()
    return inFlight
  }

  function unavailable(): UnavailableError {
    const wait = attemptAt === undefined ? 0 : attemptAt + cooldown - now()
    return new UnavailableError({
      reason: 'keys_unavailable',
      retryAfter: Math.max(1, Math.ceil(wait / 1000)),
      cause: lastError,
    })
  }

  /** A set that may be used now: fresh, refetched, or stale within the stale-if-error window. */
  async function usableSnapshot(): Promise<Snapshot> {
    if (current !== undefined && now() - current.fetchedAt < cacheMaxAge) return current
    if (inFlight !== undefined) await inFlight
    else if (attemptAt === undefined || lastError === undefined || now() - attemptAt >= cooldown)
      await refresh()
    if (current !== undefined && now() - current.fetchedAt < cacheMaxAge + staleIfError) return current
    throw unavailable()
  }

  return {
    async getKey(header) {
      // Checked before any fetch, so a forged header cannot make us fetch anything.
      if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
        throw new InvalidTokenError({ reason: 'algorithm_not_allowed' })
      }
      const snapshot = await usableSnapshot()
      try {
        return await selectKey(snapshot.select, algorithms, header)
      } catch (error) {
        if (!isNoMatchingKey(error)) throw error
      }
      // An unknown kid usually means the issuer rotated its keys (RFC 7517 §4.5), so look again:
      // join a fetch already under way, or start one if the cooldown allows.
      if (inFlight !== undefined) await inFlight
      else if (attemptAt === undefined || now() - attemptAt >= cooldown) await refresh()
      // While the endpoint fails, an unknown kid may be a rotation we cannot see: 503, not 401.
      if (lastError !== undefined) throw unavailable()
      if (current === undefined || current === snapshot) {
        throw new InvalidTokenError({ reason: 'unknown_key' })
      }
      return selectKey(current.select, algorithms, header)
    },
    knownKey(header) {
      // Only from a fresh set: a stale or missing one goes through getKey (refetch, 503 rules).
      if (current === undefined || now() - current.fetchedAt >= cacheMaxAge) return undefined
      return rememberedKey(current.select, algorithms, header)
    },
    async ready() {
      await usableSnapshot()
    },
    onChange(listener) {
      listeners.add(listener)
    },
    close() {
      // Nothing to stop: refreshes are lazy. The dispatcher belongs to whoever passed it.
      listeners.clear()
    },
  }
}
