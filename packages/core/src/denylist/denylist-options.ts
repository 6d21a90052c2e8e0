import type { Store } from '../store/store.js'

/** `createValidator({ denylist })`: how sensitive routes use the denylist. Durations in seconds. */
export interface DenylistBehaviour {
  /**
   * How old the mirror's last proof of freshness (a heartbeat that came back on the feed, or a
   * poll) may be before sensitive routes answer 503, in seconds. Default 5.
   */
  maxStaleness?: number
  /** How often the mirror sends its heartbeat through the store, in seconds. Below `maxStaleness`. Default 1. */
  heartbeatInterval?: number
  /** For a store without a heartbeat-carrying feed: how often the mirror reloads the list, in seconds. Default 1. */
  pollInterval?: number
  /** Past that bound, reload the list from the store per request instead of answering 503. Default false. */
  fallbackToStore?: boolean
  /** How long a revocation is kept when the token's expiry is unknown (opaque tokens, subjects), in seconds. Default 86400. */
  revocationTtl?: number
  /** Longest a `revoke({ jti, iss, exp })` entry is kept, in seconds: a later `exp` is capped to now + this. Default 604800 (7 days). */
  maxRevocationLifetime?: number
}

/** Resolved: every duration in milliseconds except `revocationTtl` (seconds, like the entries). */
export interface ResolvedDenylistBehaviour {
  maxStaleness: number
  heartbeatInterval: number
  pollInterval: number
  fallbackToStore: boolean
  revocationTtl: number
  /** Seconds, like `revocationTtl`. */
  maxRevocationLifetime: number
}

function seconds(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`createValidator: \`denylist.${name}\` must be a positive number of seconds`)
  }
  return value
}

export function resolveDenylistBehaviour(options: DenylistBehaviour | undefined): ResolvedDenylistBehaviour {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError('createValidator: `denylist` must be an object')
  }
  const maxStaleness = seconds(options?.maxStaleness, 'maxStaleness', 5)
  const heartbeatInterval = seconds(
    options?.heartbeatInterval,
    'heartbeatInterval',
    Math.min(1, maxStaleness / 2),
  )
  const pollInterval = seconds(options?.pollInterval, 'pollInterval', Math.min(1, maxStaleness / 2))
  // A proof must be able to arrive inside the bound, or the mirror would flap between fresh and stale.
  if (heartbeatInterval >= maxStaleness) {
    throw new TypeError('createValidator: `denylist.heartbeatInterval` must be below `denylist.maxStaleness`')
  }
  if (pollInterval >= maxStaleness) {
    throw new TypeError('createValidator: `denylist.pollInterval` must be below `denylist.maxStaleness`')
  }
  const fallbackToStore = options?.fallbackToStore
  if (fallbackToStore !== undefined && typeof fallbackToStore !== 'boolean') {
    throw new TypeError('createValidator: `denylist.fallbackToStore` must be a boolean')
  }
  return {
    maxStaleness: maxStaleness * 1000,
    heartbeatInterval: heartbeatInterval * 1000,
    pollInterval: pollInterval * 1000,
    fallbackToStore: fallbackToStore ?? false,
    revocationTtl: seconds(options?.revocationTtl, 'revocationTtl', 86_400),
    maxRevocationLifetime: seconds(options?.maxRevocationLifetime, 'maxRevocationLifetime', 604_800),
  }
}

const REQUIRED = ['get', 'set', 'delete', 'addIfAbsent', 'addDenylistEntry', 'listDenylist', 'close']
const OPTIONAL = ['subscribe', 'snapshotDenylist', 'heartbeat', 'restoreDenylist']

/** A store is checked once, here: the three jobs' methods are required, the feed's are optional. */
export function checkStore(store: unknown): Store | undefined {
  if (store === undefined) return undefined
  const has = (name: string) => typeof (store as Record<string, unknown>)[name] === 'function'
  if (
    store === null ||
    typeof store !== 'object' ||
    !REQUIRED.every(has) ||
    OPTIONAL.some((name) => (store as Record<string, unknown>)[name] !== undefined && !has(name))
  ) {
    throw new TypeError(
      'createValidator: `store` must implement the Store interface (MemoryStore, RedisStore)',
    )
  }
  return store as Store
}
