/**
 * What a validator shares with the other instances of an API, split into its three jobs: a cache
 * tier for introspection results, a replay guard for DPoP proofs, and the denylist with its change
 * feed. `Store` is all three; `MemoryStore` serves a single process, `RedisStore`
 * (@tokenguard/redis) a fleet. Every implementation runs the same store test suite.
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

/**
 * Where the store's denylist is in its history. `seq` counts adds (and restores); `epoch` is a
 * random id the store created with its data: a different epoch means the data was lost and rebuilt.
 */
export interface FeedPosition {
  seq: number
  epoch: string
}

/** The whole live list and the position it is current at, read in one atomic step. */
export interface DenylistSnapshot extends FeedPosition {
  entries: DenylistEntry[]
}

export interface DenylistFeedHandlers {
  /** An entry added by any instance, this one included; `position` is the add's place in the history. */
  onEntry(entry: DenylistEntry, position?: FeedPosition): void
  /** The feed connection went down or came back; after `up` the mirror reloads the full list. */
  onStatus(status: StoreStatus): void
  /** A heartbeat some instance sent with `heartbeat(nonce)`, with the position when it was sent. */
  onHeartbeat?(nonce: string, position: FeedPosition): void
}

/** Shared cache tier: JSON values with a ttl. */
export interface CacheTier {
  /** A JSON value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>
  set(key: string, value: string, ttlMs: number): Promise<void>
  delete(key: string): Promise<void>
}

/** One winner across the fleet per key (DPoP proof `jti` replay detection, RFC 9449 §11.1). */
export interface ReplayGuard {
  /**
   * Records `key` for `ttlMs` unless it is already there: true when this call recorded it. A
   * guard that cannot remember the key for its whole ttl must reject, never answer true twice.
   */
  addIfAbsent(key: string, ttlMs: number): Promise<boolean>
}

/**
 * The denylist. The feed (`subscribe`) is optional: without it, or without `heartbeat` and
 * `snapshotDenylist`, the mirror polls `listDenylist` and is fresh as of its last successful poll.
 */
export interface DenylistStore {
  /**
   * Records an entry (it expires on its own at `expiresAt`) and publishes it on the feed. A store
   * with positions resolves with the add's position: the mirror then checks that the store's
   * history really holds it (after a failover to a replica that never saw it, it does not).
   */
  addDenylistEntry(entry: DenylistEntry): Promise<FeedPosition | void>
  /** Every entry that has not expired at `nowSeconds`. */
  listDenylist(nowSeconds: number): Promise<DenylistEntry[]>
  /** Subscribes to the change feed; resolves once subscribed, with a function that unsubscribes. */
  subscribe?(handlers: DenylistFeedHandlers): Promise<() => Promise<void>>
  /** Live entries and the position they are current at, atomically (creates the epoch if missing). */
  snapshotDenylist?(nowSeconds: number): Promise<DenylistSnapshot>
  /**
   * Publishes `nonce` on the feed, tagged with the current position, through the same path as an
   * add: the heartbeat coming back proves every earlier add has been delivered. Must fail where an
   * add would fail (a read-only replica).
   */
  heartbeat?(nonce: string): Promise<void>
  /**
   * Writes back entries a mirror holds after the store lost them. When the store is still at
   * `lostEpoch` (its history went backwards without losing the epoch) it takes a new epoch, so every
   * mirror notices and restores its own entries too. Advances `seq`.
   */
  restoreDenylist?(entries: DenylistEntry[], lostEpoch: string): Promise<void>
  close(): Promise<void>
}

/** Everything a validator shares with its fleet. Stores written against the older single interface still fit. */
export interface Store extends CacheTier, ReplayGuard, DenylistStore {}

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
