// What the in-process curves measure with: heap after a full GC (the child runs with --expose-gc),
// RSS, and CPU time per call.
import { median } from './stats.mjs'

/** Heap in use after two full collections (the second catches what the first's finalizers freed). */
export const heap = () => {
  globalThis.gc()
  globalThis.gc()
  return process.memoryUsage().heapUsed
}

export const rssMB = () => process.memoryUsage().rss / 2 ** 20

/** CPU µs per call of `fn`, median of `runs` runs of `count` calls, awaited in turn. */
export async function perCall(fn, count, runs = 5) {
  const times = []
  for (let r = 0; r < runs; r++) {
    const started = process.cpuUsage()
    for (let i = 0; i < count; i++) await fn(i)
    const { user, system } = process.cpuUsage(started)
    times.push((user + system) / count)
  }
  return median(times)
}
