import type { Store } from '../store/store.js'
import { DEFAULTS } from './defaults.js'

/** `createValidator({ denylist })`: how sensitive routes use the denylist. Durations in seconds. */
export interface DenylistOptions {
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
  /** How long a revocation is kept when the token's expiry is unknown or unverified, in seconds. Default 86400. */
  revocationTtl?: number
  /** Longest a `revoke({ jti, iss, exp })` entry is kept, in seconds: a later `exp` is capped to now + this. Default 604800 (7 days). */
  maxRevocationLifetime?: number
}

/** @deprecated the earlier name of `DenylistOptions`. */
export type DenylistBehaviour = DenylistOptions

export interface ResolvedDenylistOptions {
  maxStalenessMs: number
  heartbeatIntervalMs: number
  pollIntervalMs: number
  fallbackToStore: boolean
  revocationTtlMs: number
  maxRevocationLifetimeMs: number
}

function seconds(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`createValidator: \`denylist.${name}\` must be a positive number of seconds`)
  }
  return value
}

export function resolveDenylist(options: DenylistOptions | undefined): ResolvedDenylistOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError('createValidator: `denylist` must be an object')
  }
  const maxStaleness = seconds(options?.maxStaleness, 'maxStaleness', DEFAULTS.denylist.maxStaleness)
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
  const revocationTtl = seconds(options?.revocationTtl, 'revocationTtl', DEFAULTS.denylist.revocationTtl)
  const maxRevocationLifetime = seconds(
    options?.maxRevocationLifetime,
    'maxRevocationLifetime',
    DEFAULTS.denylist.maxRevocationLifetime,
  )
  return {
    maxStalenessMs: maxStaleness * 1000,
    heartbeatIntervalMs: heartbeatInterval * 1000,
    pollIntervalMs: pollInterval * 1000,
    fallbackToStore: fallbackToStore ?? false,
    revocationTtlMs: revocationTtl * 1000,
    maxRevocationLifetimeMs: maxRevocationLifetime * 1000,
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
