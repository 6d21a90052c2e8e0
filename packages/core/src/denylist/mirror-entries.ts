import { ExpiryQueue } from '../store/expiry-queue.js'
import { entryId, mergeEntries, type DenylistEntry } from '../store/store.js'

/**
 * The entries one instance holds, with their expiry order: a lookup is one map read, and `sweep`
 * frees what expired in O(expired), so memory follows the live list, not every revocation ever seen.
 */
export class MirrorEntries {
  private readonly entries = new Map<string, DenylistEntry>()
  private readonly queue = new ExpiryQueue()
  /** Fingerprint entries held: while there are none, no request pays for a hash. */
  fingerprints = 0

  /** `onNewFingerprint` hears of each fingerprint entry once, when it first enters this mirror. */
  constructor(private readonly onNewFingerprint?: (fingerprint: string) => void) {}

  get size(): number {
    return this.entries.size
  }

  remember(entry: DenylistEntry): void {
    const id = entryId(entry)
    const previous = this.entries.get(id)
    const merged = mergeEntries(previous, entry)
    if (previous === undefined) {
      this.entries.set(id, merged)
      this.queue.push(id, merged.expiresAt)
      if (merged.kind === 'fingerprint') {
        this.fingerprints++
        this.onNewFingerprint?.(merged.key)
      }
      return
    }
    // The same revocation again (a reload, a feed echo): keep the object, touch nothing.
    if (previous.expiresAt === merged.expiresAt && previous.issuedBefore === merged.issuedBefore) return
    this.entries.set(id, merged)
    if (merged.expiresAt !== previous.expiresAt) this.queue.push(id, merged.expiresAt)
  }

  /** The entry under `id` unless it has expired at `nowSeconds`. */
  live(id: string, nowSeconds: number): DenylistEntry | undefined {
    const entry = this.entries.get(id)
    return entry !== undefined && entry.expiresAt > nowSeconds ? entry : undefined
  }

  /** Frees every entry expired at `nowSeconds`; returns how many. */
  sweep(nowSeconds: number): number {
    let freed = 0
    this.queue.popExpired(nowSeconds, (id, expiresAt) => {
      const entry = this.entries.get(id)
      // A later push for a merged entry carries its newer expiry: this one is outdated.
      if (entry === undefined || entry.expiresAt !== expiresAt) return
      this.entries.delete(id)
      if (entry.kind === 'fingerprint') this.fingerprints--
      freed++
    })
    return freed
  }

  /** Copies of the entries still live at `nowSeconds` (for writing them back to a store that lost them). */
  liveEntries(nowSeconds: number): DenylistEntry[] {
    const out: DenylistEntry[] = []
    for (const entry of this.entries.values()) if (entry.expiresAt > nowSeconds) out.push({ ...entry })
    return out
  }
}
