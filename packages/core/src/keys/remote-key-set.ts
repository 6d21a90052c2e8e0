import { calculateJwkThumbprint, createLocalJWKSet, type JWK, type LocalJWKSet } from 'jose'
import type { Dispatcher } from 'undici'
import { InvalidTokenError, UnavailableError } from '../errors.js'
import { safeListener, type EventListener } from '../events.js'
import { httpRequest, parseJsonObject } from '../http.js'
import type { KeySet } from './key-set.js'
import {
  checkAlgorithms,
  isNoMatchingKey,
  jwkProblem,
  rememberSelections,
  selectKey,
} from './local-key-set.js'

/**
 * A JWK set fetched from the issuer's `jwks_uri` (RFC 8414 §2, RFC 7517 §5), refreshed lazily on
 * demand (no timers): when the cached set expires, and when a token names a `kid` the set lacks
 * (the usual sign of a key rotation), at most once per cooldown so that a flood of made-up `kid`s
 * cannot turn into a flood of fetches. While the endpoint fails, the last good set is served for a
 * bounded stale-if-error window; after that requests fail closed with 503.
 */

export interface RemoteKeySetOptions {
  /** The JWK set URL, or a function that finds it (from issuer metadata) when first needed. */
  jwksUri: string | (() => Promise<string>)
  /** The JWS algorithms tokens may use (`jwt.algorithms`). */
  algorithms: readonly string[]
  /** How long a fetched set is fresh, in ms. Default 10 minutes. */
  cacheMaxAge?: number
  /** Least time between fetches caused by an unknown `kid` or by a failing endpoint, in ms. Default 30 s. */
  cooldown?: number
  /** Deadline for one fetch, in ms. Default 3000. */
  timeout?: number
  /** Largest response accepted, in bytes. Default 256 KiB. */
  maxResponseBytes?: number
  /** How long past `cacheMaxAge` the last good set may be served while refetches fail, in ms. Default 1 h. */
  staleIfError?: number
  /** A response with more keys than this is refused as a whole. Default 100. */
  maxKeys?: number
  dispatcher?: Dispatcher
  /** Clock in ms (a test seam). Default `Date.now`. */
  now?: () => number
  onEvent?: EventListener
}

interface Snapshot {
  select: LocalJWKSet
  /** Sorted thumbprints (RFC 7638) with `kid` and `alg`: equal iff the usable keys are the same. */
  fingerprint: string
  keys: number
  /** The same thumbprints as a set, to count keys added and dropped by a refetch. */
  prints: ReadonlySet<string>
  fetchedAt: number
}

function duration(name: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new TypeError(`jwt.keySet.${name} must be a finite number >= ${min}`)
  }
  return value
}

/** Turns a response into a key set, or throws why it is not one. Unusable members are skipped. */
async function parseKeySet(
  status: number,
  text: string,
  maxKeys: number,
): Promise<Omit<Snapshot, 'fetchedAt'>> {
  if (status !== 200) throw new Error(`unexpected status ${status}`)
  const body = parseJsonObject(text)
  if (body === undefined) throw new Error('response is not a JSON object')
  const { keys } = body
  if (!Array.isArray(keys)) throw new Error('response has no "keys" array')
  if (keys.length > maxKeys) throw new Error(`response has more than ${maxKeys} keys`)
  const usable: JWK[] = []
  const prints: string[] = []
  for (const jwk of keys as unknown[]) {
    // RFC 7517 §4.2: a key meant for encryption is not one we verify with; private or malformed
    // members are skipped rather than failing the set, so one bad entry cannot take down the rest.
    if (jwkProblem(jwk) !== undefined) continue
    const key = jwk as JWK
    if (key.use !== undefined && key.use !== 'sig') continue
    try {
      prints.push(`${await calculateJwkThumbprint(key)}:${key.kid ?? ''}:${key.alg ?? ''}`)
      usable.push(key)
    } catch {
      // Missing or malformed required members (RFC 7638 §3.2) or an unsupported key type.
    }
  }
  // An empty set is a valid answer: every token then fails with unknown_key (401), not 503.
  return {
    select: rememberSelections(createLocalJWKSet({ keys: usable })),
    fingerprint: prints.sort().join(','),
    keys: usable.length,
    prints: new Set(prints),
  }
}

/**
 * A remote key set with one fetch in flight at a time, cooldown-limited refetches on unknown `kid`,
 * and a bounded stale-if-error window.
 *
 * @example
 * ```ts
 * const keys = createRemoteKeySet({ jwksUri: 'https://login.example.com/jwks', algorithms: ['RS256'] })
 * keys.onChange(() => verifiedTokens.clear())
 * await keys.ready()
 * const { payload } = await jwtVerify(token, (header) => keys.getKey(header), { algorithms: ['RS256'] })
 * ```
 */
export function createRemoteKeySet(options: RemoteKeySetOptions): KeySet {
  const algorithms = checkAlgorithms(options?.algorithms)
  const { jwksUri } = options
  if (typeof jwksUri === 'string') {
    const protocol = URL.canParse(jwksUri) ? new URL(jwksUri).protocol : ''
    if (protocol !== 'https:' && protocol !== 'http:')
      throw new TypeError('jwt.jwksUri must be an http(s) URL')
  } else if (typeof jwksUri !== 'function') {
    throw new TypeError('jwt.jwksUri must be a URL string or a function returning one')
  }
  const cacheMaxAge = duration('cacheMaxAge', options.cacheMaxAge, 10 * 60_000)
  const cooldown = duration('cooldown', options.cooldown, 30_000, 0)
  const timeout = duration('timeout', options.timeout, 3000)
  const maxBytes = duration('maxResponseBytes', options.maxResponseBytes, 256 * 1024)
  const staleIfError = duration('staleIfError', options.staleIfError, 60 * 60_000, 0)
  const maxKeys = duration('maxKeys', options.maxKeys, 100, 0)
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
        ...(await parseKeySet(response.status, response.text, maxKeys)),
        fetchedAt: now(),
      }
      const changed = current !== undefined && current.fingerprint !== next.fingerprint
      // A rotation (the set differs from the previous good one): how many keys came and went.
      const before = current?.prints
      const rotation =
        changed && before !== undefined
          ? {
              added: [...next.prints].filter((print) => !before.has(print)).length,
              dropped: [...before].filter((print) => !next.prints.has(print)).length,
            }
          : {}
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
