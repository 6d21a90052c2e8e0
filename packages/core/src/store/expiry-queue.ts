/**
 * Items (ids, or the entries themselves) in expiry order (a binary min-heap), so freeing what
 * expired costs O(expired · log n) instead of a scan of everything held. An item may be pushed
 * again with a later expiry (a merged entry): the owner checks, on `popExpired`, that what it
 * holds still matches what came out.
 */
export class ExpiryQueue<T = string> {
  private readonly times: number[] = []
  private readonly ids: T[] = []

  get size(): number {
    return this.times.length
  }

  /** The earliest expiry queued, or undefined when empty. */
  peek(): number | undefined {
    return this.times[0]
  }

  push(id: T, expiresAt: number): void {
    const { times, ids } = this
    let i = times.length
    times.push(expiresAt)
    ids.push(id)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (times[parent]! <= expiresAt) break
      times[i] = times[parent]!
      ids[i] = ids[parent]!
      i = parent
    }
    times[i] = expiresAt
    ids[i] = id
  }

  /**
   * Calls `visit(id, expiresAt)` for every queued expiry `<= until`, earliest first, removing them;
   * at most `limit` of them, so one call never holds the event loop for long.
   */
  popExpired(until: number, visit: (id: T, expiresAt: number) => void, limit = Infinity): void {
    let popped = 0
    while (this.times.length > 0 && this.times[0]! <= until && popped++ < limit) {
      const expiresAt = this.times[0]!
      const id = this.ids[0]!
      this.removeTop()
      visit(id, expiresAt)
    }
  }

  clear(): void {
    this.times.length = 0
    this.ids.length = 0
  }

  private removeTop(): void {
    const { times, ids } = this
    const lastTime = times.pop()!
    const lastId = ids.pop()!
    const n = times.length
    if (n === 0) return
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      const child = right < n && times[right]! < times[left]! ? right : left
      if (times[child]! >= lastTime) break
      times[i] = times[child]!
      ids[i] = ids[child]!
      i = child
    }
    times[i] = lastTime
    ids[i] = lastId
  }
}
