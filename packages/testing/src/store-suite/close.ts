import type { DenylistEntry } from '@tokenguard/core'
import type { SuiteContext } from './context.js'
import { recordingHandlers, waitUntil } from './recording.js'

/** `close()`: idempotent, and (for a store with a feed) the end of delivery on that instance. */
export function closeTests(ctx: SuiteContext): void {
  const { timeoutMs, hasFeed } = ctx.settings

  test('close() is idempotent', async () => {
    const { a, b } = ctx
    await expect(a.close()).resolves.toBeUndefined()
    await expect(a.close()).resolves.toBeUndefined()
    await expect(b.close()).resolves.toBeUndefined()
    await expect(b.close()).resolves.toBeUndefined()
  })

  if (!hasFeed) return
  test('a closed instance delivers nothing more to its subscribers', async () => {
    const { a, b } = ctx
    const closing = recordingHandlers()
    await b.subscribe!(closing)
    const control = recordingHandlers()
    if (!ctx.sameInstance()) await a.subscribe!(control)
    await b.close()

    const entry: DenylistEntry = {
      kind: 'jti',
      key: 'after-close',
      expiresAt: Math.floor(ctx.nowSeconds()) + 60,
    }
    await a.addDenylistEntry(entry)
    // In-process delivery is synchronous; across instances, wait for the control to see it.
    if (!ctx.sameInstance()) expect(await waitUntil(() => control.entries.length > 0, timeoutMs)).toBe(true)
    expect(closing.entries).toStrictEqual([])
  })
}
