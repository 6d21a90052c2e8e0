import type { SuiteContext } from './context.js'
import { waitUntil } from './recording.js'

/** The replay guard (`addIfAbsent`): one winner per key across instances, never forgotten early. */
export function replayGuardTests(ctx: SuiteContext): void {
  const { shortTtlMs, timeoutMs, replayKeys } = ctx.settings

  test('exactly one of many concurrent callers across instances wins a key', async () => {
    const { a, b } = ctx
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).addIfAbsent('proof-jti', 60_000)),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await b.addIfAbsent('proof-jti', 60_000)).toBe(false)
    expect(await a.addIfAbsent('other-jti', 60_000)).toBe(true)
  })

  test('a key can be won again once its ttl has passed', async () => {
    const { a, b } = ctx
    if (ctx.clocked()) {
      expect(await a.addIfAbsent('k', 1000)).toBe(true)
      ctx.advance(999)
      expect(await b.addIfAbsent('k', 1000)).toBe(false)
      ctx.advance(1)
      expect(await b.addIfAbsent('k', 1000)).toBe(true)
      return
    }
    expect(await a.addIfAbsent('k', shortTtlMs)).toBe(true)
    expect(await b.addIfAbsent('k', shortTtlMs)).toBe(false)
    expect(await waitUntil(async () => b.addIfAbsent('k', 60_000), shortTtlMs + timeoutMs)).toBe(true)
  })

  test('a key is never forgotten before its ttl, however many others come after it', async () => {
    const { a, b } = ctx
    expect(await a.addIfAbsent('captured-proof', 60_000)).toBe(true)
    for (let i = 0; i < replayKeys; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, replayKeys - i) }, (_, j) =>
          (j % 2 ? a : b).addIfAbsent(`other-${i + j}`, 60_000).catch(() => false),
        ),
      )
    }
    // A full guard may reject; answering true (the key forgotten) never is allowed.
    const again = await b.addIfAbsent('captured-proof', 60_000).catch(() => 'rejected')
    expect(again).not.toBe(true)
  })
}
