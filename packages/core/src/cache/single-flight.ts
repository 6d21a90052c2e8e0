/**
 * Concurrent callers asking for the same key share one in-flight promise, cleared when it settles
 * (in `finally`, so a failure is not remembered). `run` tells the caller whether it joined.
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>()

  run(key: string, task: () => Promise<T>): { promise: Promise<T>; joined: boolean } {
    const existing = this.inFlight.get(key)
    if (existing !== undefined) return { promise: existing, joined: true }
    const promise = (async () => {
      try {
        return await task()
      } finally {
        this.inFlight.delete(key)
      }
    })()
    this.inFlight.set(key, promise)
    return { promise, joined: false }
  }

  get size(): number {
    return this.inFlight.size
  }
}
