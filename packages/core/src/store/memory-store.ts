import { LRUCache } from 'lru-cache'
import { entryId, mergeEntries, type DenylistEntry, type DenylistFeedHandlers, type Store } from './store.js'

export interface MemoryStoreOptions {
  /** Most cached values. Default 10000. */
  max?: number
  /** Clock in milliseconds (a test seam). Default `Date.now`. */
  now?: () => number
}

/**
 * The default store: everything in this process. Enough for an API that runs as one instance;
 * validators in the same process that share a `MemoryStore` share its denylist and feed.
 */
export class MemoryStore implements Store {
  private readonly values: LRUCache<string, { value: string; expiresAt: number }>
  private readonly entries = new Map<string, DenylistEntry>()
  private readonly subscribers = new Set<DenylistFeedHandlers>()
  private readonly now: () => number

  constructor(options: MemoryStoreOptions = {}) {
    this.values = new LRUCache({ max: options.max ?? 10_000 })
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

  async addIfAbsent(key: string, ttlMs: number): Promise<boolean> {
    // Check and write with no await in between: one event-loop turn, so exactly one caller wins.
    const hit = this.values.get(key)
    if (hit !== undefined && hit.expiresAt > this.now()) return false
    this.values.set(key, { value: '1', expiresAt: this.now() + ttlMs })
    return true
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key)
  }

  async addDenylistEntry(entry: DenylistEntry): Promise<void> {
    this.prune(this.now() / 1000)
    const id = entryId(entry)
    const merged = mergeEntries(this.entries.get(id), entry)
    this.entries.set(id, merged)
    for (const subscriber of this.subscribers) subscriber.onEntry({ ...merged })
  }

  async listDenylist(nowSeconds: number): Promise<DenylistEntry[]> {
    this.prune(nowSeconds)
    return [...this.entries.values()].map((entry) => ({ ...entry }))
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

  /** Entries past their expiry go on the next write or read: no timer keeps the process alive. */
  private prune(nowSeconds: number): void {
    for (const [id, entry] of this.entries) if (entry.expiresAt <= nowSeconds) this.entries.delete(id)
  }
}
