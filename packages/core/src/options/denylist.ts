import type { Store } from '../store/store.js'
import { DEFAULTS } from './defaults.js'
import { optionalBoolean, seconds } from './values.js'

/** Denylist behaviour on sensitive routes. */
export interface DenylistOptions {
  /** How long the store's change feed may be down before sensitive routes answer 503, in seconds. Default 5. */
  maxStaleness?: number
  /** Past that bound, reload the list from the store per request instead of answering 503. Default false. */
  fallbackToStore?: boolean
  /** How long a revocation is kept when the token's expiry is unknown (opaque tokens, subjects), in seconds. Default 86400. */
  revocationTtl?: number
  /** Longest a `revoke({ jti, iss, exp })` entry is kept, in seconds: a later `exp` is capped to now + this. Default 604800 (7 days). */
  maxRevocationLifetime?: number
}

export interface ResolvedDenylistOptions {
  maxStalenessMs: number
  fallbackToStore: boolean
  revocationTtlMs: number
  maxRevocationLifetimeMs: number
}

export function resolveDenylist(denylist: DenylistOptions | undefined): ResolvedDenylistOptions {
  if (denylist !== undefined && (denylist === null || typeof denylist !== 'object'))
    throw new TypeError('createValidator: `denylist` must be an object')
  const given = denylist ?? {}
  return {
    maxStalenessMs: seconds(given.maxStaleness, 'denylist.maxStaleness', DEFAULTS.denylist.maxStaleness),
    fallbackToStore: optionalBoolean(given.fallbackToStore, 'denylist.fallbackToStore') ?? false,
    revocationTtlMs: seconds(
      given.revocationTtl,
      'denylist.revocationTtl',
      DEFAULTS.denylist.revocationTtl,
      true,
    ),
    maxRevocationLifetimeMs: seconds(
      given.maxRevocationLifetime,
      'denylist.maxRevocationLifetime',
      DEFAULTS.denylist.maxRevocationLifetime,
      true,
    ),
  }
}

export function checkStore(store: unknown): Store | undefined {
  if (store === undefined) return undefined
  const methods = [
    'get',
    'set',
    'delete',
    'addIfAbsent',
    'addDenylistEntry',
    'listDenylist',
    'subscribe',
    'close',
  ]
  if (
    store === null ||
    typeof store !== 'object' ||
    methods.some((name) => typeof (store as never)[name] !== 'function')
  ) {
    throw new TypeError(
      'createValidator: `store` must implement the Store interface (MemoryStore, RedisStore)',
    )
  }
  return store as Store
}
