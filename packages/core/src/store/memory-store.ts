import { randomUUID } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { ExpiryQueue } from './expiry-queue.js'
import {
  entryId,
  mergeEntries,
  type DenylistEntry,
  type DenylistFeedHandlers,
  type DenylistSnapshot,
  type FeedPosition,
  type Store,
} from './store.js'

export interface MemoryStoreOptions {
  /** Most cached values (the cache tier, least recently used first out). Default 10000. */
  max?: number
  /**
   * Most DPoP proof ids remembered at once. Never evicted before they expire: when the set is full,
   * `addIfAbsent` rejects (the proof gets a 503 with `Retry-After`), it never forgets one. Default 100000.
   */
  maxReplayEntries?: number
  /** Clock in milliseconds (a test seam). Default `Date.now`. */
  now?: () => number
}

/** The replay set is full of live entries: refusing is the only answer that cannot accept a replay. */
export class ReplayCapacityError extends Error {
  override readonly name = 'ReplayCapacityError'
  readonly code = 'EREPLAYFULL'
  constructor(readonly capacity: number) {
    super(`the replay set holds ${capacity} live entries: no room to remember another`)
  }
}

/**
 * The default store: everything in this process. Enough for an API that runs as one instance;
 * validators in the same process that share a `MemoryStore` share its denylist and feed.
 */
export class MemoryStore implements Store {
  private readonly values: LRUCache<string, { value: string; expiresAt: number }>
  private readonly replay = new Map<string, number>()
  private readonly replayExpiry = new ExpiryQueue()
  private readonly maxReplayEntries: number
  private readonly entries = new Map<string, DenylistEntry>()
  private readonly expiry = new ExpiryQueue()
  private readonly subscribers = new Set<DenylistFeedHandlers>()
  private readonly now: () => number
  private readonly epoch = randomUUID()
  private seq = 0

  constructor(options: MemoryStoreOptions = {}) {
    this.values = new LRUCache({ max: options.max ?? 10_000 })
    const maxReplay = options.maxReplayEntries ?? 100_000
    if (!Number.isSafeInteger(maxReplay) || maxReplay < 1) {
      throw new TypeError('MemoryStore: `maxReplayEntries` must be a positive integer')
    }
    this.maxReplayEntries = maxReplay
    this.now = options.now ?? Date.now
  }

  async get(key: string): Promise<string | undefined> {
    const hit = this.values.get(key)
    if (hit === undefined) return undefined
    if (hit.expiresAt <= this.now()) {
      this.values.delete(key)
      return undefined
    }
    return hit.value
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (ttlMs > 0) this.values.set(key, { value, expiresAt: this.now() + ttlMs })
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key)
  }

  async addIfAbsent(key: string, ttlMs: number): Promise<boolean> {
    // Check and write with no await in between: one event-loop turn, so exactly one caller wins.
    const now = this.now()
    this.replayExpiry.popExpired(now, (id, expiresAt) => {
      if (this.replay.get(id) === expiresAt) this.replay.delete(id)
    })
    const expiresAt = this.replay.get(key)
    if (expiresAt !== undefined && expiresAt > now) return false
    if (expiresAt === undefined && this.replay.size >= this.maxReplayEntries) {
      throw new ReplayCapacityError(this.maxReplayEntries)
    }
    this.replay.set(key, now + ttlMs)
    this.replayExpiry.push(key, now + ttlMs)
    return true
  }

  async addDenylistEntry(entry: DenylistEntry): Promise<FeedPosition> {
    this.prune(this.now() / 1000)
    const merged = this.merge(entry)
    const position = { seq: ++this.seq, epoch: this.epoch }
    for (const subscriber of this.subscribers) subscriber.onEntry({ ...merged }, { ...position })
    return { ...position }
  }

  async listDenylist(nowSeconds: number): Promise<DenylistEntry[]> {
    return (await this.snapshotDenylist(nowSeconds)).entries
  }

  async snapshotDenylist(nowSeconds: number): Promise<DenylistSnapshot> {
    this.prune(nowSeconds)
    const entries: DenylistEntry[] = []
    for (const entry of this.entries.values()) if (entry.expiresAt > nowSeconds) entries.push({ ...entry })
    return { entries, seq: this.seq, epoch: this.epoch }
  }

  async heartbeat(nonce: string): Promise<void> {
    const position = { seq: this.seq, epoch: this.epoch }
    for (const subscriber of this.subscribers) subscriber.onHeartbeat?.(nonce, { ...position })
  }

  async restoreDenylist(entries: DenylistEntry[]): Promise<void> {
    // One process: its data cannot be lost while a mirror of it runs, but the contract still holds.
    for (const entry of entries) this.merge(entry)
    this.seq++
  }

  async subscribe(handlers: DenylistFeedHandlers): Promise<() => Promise<void>> {
    this.subscribers.add(handlers)
    handlers.onStatus('up')
    return async () => {
      this.subscribers.delete(handlers)
    }
  }

  async close(): Promise<void> {
    this.subscribers.clear()
  }

  private merge(entry: DenylistEntry): DenylistEntry {
    const id = entryId(entry)
    const previous = this.entries.get(id)
    const merged = mergeEntries(previous, entry)
    this.entries.set(id, merged)
    if (merged.expiresAt !== previous?.expiresAt) this.expiry.push(id, merged.expiresAt)
    return merged
  }

  /** Entries past their expiry go in expiry order, O(expired): no timer keeps the process alive. */
  private prune(nowSeconds: number): void {
    this.expiry.popExpired(nowSeconds, (id, expiresAt) => {
      if (this.entries.get(id)?.expiresAt === expiresAt) this.entries.delete(id)
    })
  }
}
