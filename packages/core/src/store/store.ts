/**
 * What a validator shares with the other instances of an API: a cache tier for introspection
 * results and the denylist with its change feed. `MemoryStore` serves a single process;
 * `RedisStore` (@tokenguard/redis) a fleet. Every implementation runs the same store test suite.
 */

/** One denylist entry. Keys are opaque strings built by core (issuer-scoped, hashed). */
export interface DenylistEntry {
  /** `jti`: a JWT id; `fingerprint`: a hash of a token's signed part; `subject`: a not-before cut-off. */
  kind: 'jti' | 'fingerprint' | 'subject'
  key: string
  /** For `subject`: tokens of that subject issued before this time (epoch seconds) are refused. */
  issuedBefore?: number
  /** When the entry may be forgotten (epoch seconds): the revoked token would have expired by then. */
  expiresAt: number
}

export type StoreStatus = 'up' | 'down'

export interface DenylistFeedHandlers {
  /** An entry added by any instance, this one included. */
  onEntry(entry: DenylistEntry): void
  /** The feed connection went down or came back; after `up` the mirror reloads the full list. */
  onStatus(status: StoreStatus): void
}

export interface Store {
  /** Shared cache tier: a JSON value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>
  set(key: string, value: string, ttlMs: number): Promise<void>
  delete(key: string): Promise<void>
  /**
   * Records `key` for `ttlMs` unless it is already there: true when this call recorded it. One
   * winner across the fleet (DPoP proof `jti` replay detection, RFC 9449 §11.1).
   */
  addIfAbsent(key: string, ttlMs: number): Promise<boolean>
  /** Records an entry (it expires on its own at `expiresAt`) and publishes it on the feed. */
  addDenylistEntry(entry: DenylistEntry): Promise<void>
  /** Every entry that has not expired at `nowSeconds`. */
  listDenylist(nowSeconds: number): Promise<DenylistEntry[]>
  /** Subscribes to the change feed; resolves once subscribed, with a function that unsubscribes. */
  subscribe(handlers: DenylistFeedHandlers): Promise<() => Promise<void>>
  close(): Promise<void>
}

/** A stable identity for an entry, so the same revocation arriving twice is stored once. */
export function entryId(entry: Pick<DenylistEntry, 'kind' | 'key'>): string {
  return `${entry.kind}:${entry.key}`
}

/**
 * Two entries for the same id merged: the later expiry and the later subject cut-off win, so a
 * replayed or reordered revocation can never loosen a newer one. Every store and the mirror use it.
 */
export function mergeEntries(previous: DenylistEntry | undefined, next: DenylistEntry): DenylistEntry {
  if (previous === undefined) return { ...next }
  const merged: DenylistEntry = { ...next, expiresAt: Math.max(previous.expiresAt, next.expiresAt) }
  if (previous.issuedBefore !== undefined || next.issuedBefore !== undefined) {
    merged.issuedBefore = Math.max(previous.issuedBefore ?? -Infinity, next.issuedBefore ?? -Infinity)
  }
  return merged
}
