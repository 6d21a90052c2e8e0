/**
 * The store's own heartbeats on their way round the change feed: published, then heard back on
 * the subscriber connection. A subscription that went quiet without any event (a Cluster moving
 * it, a link that drops bytes) shows here as a heartbeat overdue; the feed connection then
 * recycles itself (redis/feed-connection.ts).
 */

/** Heartbeats remembered while awaiting their echo. */
const MAX_AWAITED = 64

export class HeartbeatEchoes {
  private readonly awaited = new Map<string, number>()

  /** A heartbeat of this store was published at `at` (ms): it must come back. */
  published(nonce: string, at: number): void {
    this.awaited.set(nonce, at)
    if (this.awaited.size > MAX_AWAITED) this.awaited.delete(this.awaited.keys().next().value!)
  }

  /** A heartbeat came back: it and every one published before it are accounted for. */
  heard(nonce: string): void {
    const at = this.awaited.get(nonce)
    if (at === undefined) return
    for (const [other, otherAt] of this.awaited) if (otherAt <= at) this.awaited.delete(other)
  }

  /** Whether the oldest heartbeat still awaited was published at least `echoTimeout` ms before `now`. */
  overdue(now: number, echoTimeout: number): boolean {
    const oldest = this.awaited.values().next().value
    return oldest !== undefined && now - oldest >= echoTimeout
  }

  clear(): void {
    this.awaited.clear()
  }
}
