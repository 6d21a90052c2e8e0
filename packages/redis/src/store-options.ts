import type { Cluster, Redis } from 'ioredis'

/**
 * `RedisStore`'s options, checked and defaulted once at construction: a bad one is a
 * `TypeError` or `RangeError` naming it; the store and its feed trust what this returns.
 */

export interface RedisStoreOptions {
  /** Prepended to every key and to the feed channel. Default `'tokenguard:'`. */
  prefix?: string
  /**
   * The connection the change feed listens on (a connection in subscriber mode can run nothing else).
   * Default: derived from `redis` (`duplicate()`; for a Cluster with `shardedSubscribers: true`),
   * created on the first `subscribe()` and closed by `close()`. One you pass is yours: `close()`
   * unsubscribes it but leaves it open.
   */
  subscriber?: Redis | Cluster
  /**
   * Upper bound (ms) on every command this store sends, so a dead or hung Redis costs at most this
   * much per call: the call rejects with `RedisStoreTimeoutError`. Default 1000; 0 turns it off.
   */
  commandTimeout?: number
  /**
   * `addDenylistEntry` (so `revoke()`) resolves only once this many replicas acknowledged the entry
   * (`WAIT`), and rejects with `RedisStoreReplicationError` otherwise. Default 0 (the master's word).
   */
  waitForReplicas?: number
  /** How long `WAIT` waits for `waitForReplicas` acknowledgements (ms). Default 500. */
  waitTimeout?: number
}

export interface ResolvedStoreOptions {
  prefix: string
  subscriber: Redis | Cluster | undefined
  commandTimeoutMs: number
  waitForReplicas: number
  waitTimeoutMs: number
}

function checkMs(value: number | undefined, name: string, fallback: number, allowZero: boolean): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`RedisStore: \`${name}\` must be a finite number${allowZero ? ' >= 0' : ' > 0'}`)
  }
  return value
}

export function resolveStoreOptions(options: RedisStoreOptions): ResolvedStoreOptions {
  const prefix = options.prefix ?? 'tokenguard:'
  if (typeof prefix !== 'string') throw new TypeError('RedisStore: `prefix` must be a string')
  const commandTimeoutMs = checkMs(options.commandTimeout, 'commandTimeout', 1000, true)
  const waitForReplicas = options.waitForReplicas ?? 0
  if (!Number.isSafeInteger(waitForReplicas) || waitForReplicas < 0) {
    throw new RangeError('RedisStore: `waitForReplicas` must be an integer >= 0')
  }
  const waitTimeoutMs = checkMs(options.waitTimeout, 'waitTimeout', 500, false)
  return { prefix, subscriber: options.subscriber, commandTimeoutMs, waitForReplicas, waitTimeoutMs }
}
