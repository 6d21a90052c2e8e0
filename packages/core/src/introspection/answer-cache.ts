import { LRUCache } from 'lru-cache'
import { deepFreeze } from '../deep-freeze.js'
import type { EventListener } from '../events.js'

/** An introspection answer and when the request that produced it was *sent* (an answer is as old as its question). */
export interface Answer {
  response: Readonly<Record<string, unknown>>
  fetchedAt: number
}

interface Entry extends Answer {
  expiresAt: number
}

/** What the shared tier holds: the entry and the scope (server and client) that asked. */
interface SharedEntry extends Entry {
  scope: string
}

/**
 * The shared tier's key of a token's answer: its fingerprint alone, whatever server answered, so
 * a revocation that knows only the token clears it even on an instance that never asked that
 * server (an opaque token names no issuer). The scope travels in the value instead.
 */
export const sharedAnswerKey = (fingerprint: string): string => `answer.${fingerprint}`

/** The part of a `Store` the opaque strategy uses. Failures count as a miss: the server is asked instead. */
export interface SharedCache {
  get(key: string): Promise<string | undefined>
  set(key: string, value: string, ttlMs: number): Promise<void>
  delete(key: string): Promise<void>
}

export interface AnswerCacheOptions {
  /** A hash of the server and client asking: a shared answer of another scope is a miss. */
  scope: string
  /** Most cached answers (least recently used go first); 0 disables the local tier. */
  cacheMax: number
  cacheMaxAgeMs: number
  inactiveCacheMaxAgeMs: number
  defaultCacheMaxAgeMs: number
  now: () => number
  /** A tier shared by a fleet, consulted after a local miss and written after every answer. */
  sharedCache: SharedCache | undefined
  emit: EventListener
}

/**
 * The two tiers of introspection answers: a bounded local LRU and an optional shared one (a
 * `Store`). RFC 7662 §4: an answer never outlives the token's `exp`; without one only for a short
 * default; an inactive one briefly (a burst of retries with a dead token costs one call).
 */
export function createAnswerCache(options: AnswerCacheOptions) {
  const { now, sharedCache, emit } = options
  // LRU ttls run on the real clock and only bound memory; `expiresAt` on our clock decides.
  const local =
    options.cacheMax > 0
      ? new LRUCache<string, Entry>({
          max: options.cacheMax,
          ttl: Math.ceil(Math.max(options.cacheMaxAgeMs, options.inactiveCacheMaxAgeMs, 1000)),
          ttlAutopurge: false,
        })
      : undefined

  /** A live local answer no older than `maxAgeMs` (0: none is fresh enough); keys are token fingerprints. */
  function get(key: string, calledAt: number, maxAgeMs: number): Answer | undefined {
    const entry = local?.get(key)
    if (entry === undefined || entry.expiresAt <= calledAt || maxAgeMs <= 0) return undefined
    return calledAt - entry.fetchedAt <= maxAgeMs ? entry : undefined
  }

  async function readShared(key: string): Promise<Answer | undefined> {
    if (sharedCache === undefined) return undefined
    try {
      const text = await sharedCache.get(sharedAnswerKey(key))
      if (text === undefined) return undefined
      const entry = JSON.parse(text) as SharedEntry
      if (entry.scope !== options.scope) return undefined
      if (typeof entry.expiresAt !== 'number' || entry.expiresAt <= now()) return undefined
      emit({ type: 'cache_hit', cache: 'shared' })
      return { response: deepFreeze(entry.response), fetchedAt: entry.fetchedAt }
    } catch {
      return undefined // a shared tier that is down or holds garbage is a miss, never an answer
    }
  }

  /** Caches an answer locally and, when `share` is set, in the shared tier. */
  function store(key: string, answer: Answer, share: boolean): void {
    const { response, fetchedAt } = answer
    let expiresAt: number
    if (response.active !== true) {
      expiresAt = fetchedAt + options.inactiveCacheMaxAgeMs
    } else {
      const exp =
        typeof response.exp === 'number' && Number.isFinite(response.exp) ? response.exp * 1000 : undefined
      expiresAt = Math.min(fetchedAt + options.cacheMaxAgeMs, exp ?? fetchedAt + options.defaultCacheMaxAgeMs)
    }
    const ttl = Math.floor(expiresAt - now())
    if (ttl <= 0) return
    const entry = { response, fetchedAt, expiresAt }
    local?.set(key, entry, { ttl })
    if (share) {
      const shared: SharedEntry = { ...entry, scope: options.scope }
      sharedCache?.set(sharedAnswerKey(key), JSON.stringify(shared), ttl).catch(() => {})
    }
  }

  return {
    get,
    readShared,
    store,
    /** `shared: false` leaves the fleet's shared tier alone (the revoking instance clears it once). */
    delete(key: string, shared = true): void {
      local?.delete(key)
      if (shared) sharedCache?.delete(sharedAnswerKey(key)).catch(() => {})
    },
    clear: () => local?.clear(),
  }
}
