import { MemoryStore } from '../../src/index'
import type {
  DenylistEntry,
  DenylistFeedHandlers,
  DenylistSnapshot,
  FeedPosition,
  Store,
} from '../../src/store/store'

/**
 * A store reached over a link the test controls, in front of a MemoryStore "server": the link can
 * drop every feed message silently (a partition that keeps the socket), drop the next entry
 * message (a lost publish), refuse commands, or the server can be replaced by an empty one (a
 * restart without persistence). Pure logic of the mirror is what is under test here; the real
 * network cases run against redis-server in @tokenguard/redis and test/faults.
 */
export class LinkStore implements Store {
  server: MemoryStore
  paused = false
  failCommands = false
  dropNextEntry = false
  deletes: string[] = []
  private feeds = new Set<DenylistFeedHandlers>()
  private unsubscribes = new Map<DenylistFeedHandlers, () => Promise<void>>()

  constructor(private readonly options: { now?: () => number } = {}) {
    this.server = new MemoryStore(options)
  }

  /** An empty restart: the same address, none of the data, a new epoch. */
  async restartEmpty(): Promise<void> {
    const old = this.server
    this.server = new MemoryStore(this.options)
    await old.close()
    for (const feed of this.feeds) this.unsubscribes.set(feed, await this.server.subscribe(this.relay(feed)))
  }

  /** The feed connection drops and comes back (the one failure a socket does report). */
  bounce(): void {
    for (const feed of this.feeds) feed.onStatus('down')
    for (const feed of this.feeds) feed.onStatus('up')
  }

  private command(): void {
    if (this.failCommands) throw new Error('link down')
  }

  private relay(feed: DenylistFeedHandlers): DenylistFeedHandlers {
    return {
      onStatus: () => {}, // the link never reports anything: failures are silent
      onEntry: (entry: DenylistEntry, at?: FeedPosition) => {
        if (this.paused) return
        if (this.dropNextEntry) {
          this.dropNextEntry = false
          return
        }
        feed.onEntry(entry, at)
      },
      onHeartbeat: (nonce: string, at: FeedPosition) => {
        if (!this.paused) feed.onHeartbeat?.(nonce, at)
      },
    }
  }

  async get(key: string) {
    this.command()
    return this.server.get(key)
  }
  async set(key: string, value: string, ttlMs: number) {
    this.command()
    return this.server.set(key, value, ttlMs)
  }
  async delete(key: string) {
    this.command()
    this.deletes.push(key)
    return this.server.delete(key)
  }
  async addIfAbsent(key: string, ttlMs: number) {
    this.command()
    return this.server.addIfAbsent(key, ttlMs)
  }
  async addDenylistEntry(entry: DenylistEntry) {
    this.command()
    return this.server.addDenylistEntry(entry)
  }
  async listDenylist(nowSeconds: number) {
    this.command()
    return this.server.listDenylist(nowSeconds)
  }
  async snapshotDenylist(nowSeconds: number): Promise<DenylistSnapshot> {
    this.command()
    return this.server.snapshotDenylist(nowSeconds)
  }
  async heartbeat(nonce: string) {
    this.command()
    return this.server.heartbeat(nonce)
  }
  async restoreDenylist(entries: DenylistEntry[]) {
    this.command()
    return this.server.restoreDenylist(entries)
  }
  async subscribe(feed: DenylistFeedHandlers) {
    this.command()
    this.feeds.add(feed)
    this.unsubscribes.set(feed, await this.server.subscribe(this.relay(feed)))
    feed.onStatus('up')
    return async () => {
      this.feeds.delete(feed)
      await this.unsubscribes.get(feed)?.()
    }
  }
  async close() {
    await this.server.close()
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `condition` holds or `timeoutMs` passes; resolves whether it held. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 2000) {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) return false
    await sleep(5)
  }
  return true
}
