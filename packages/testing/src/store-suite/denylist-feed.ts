import type { DenylistEntry } from '@tokenguard/core'
import type { SuiteContext } from './context.js'
import { recordingHandlers, waitUntil } from './recording.js'

/** The change feed (`subscribe`): every add reaches every subscriber once, in order, until it leaves. */
export function denylistFeedTests(ctx: SuiteContext): void {
  const { timeoutMs } = ctx.settings
  const jti = (key: string): DenylistEntry => ({
    kind: 'jti',
    key,
    expiresAt: Math.floor(ctx.nowSeconds()) + 60,
  })

  test('subscribe reports up; an add on one instance reaches the other (and itself)', async () => {
    const { a, b } = ctx
    const onB = recordingHandlers()
    const onA = recordingHandlers()
    const unsubscribeB = await b.subscribe!(onB)
    const unsubscribeA = await a.subscribe!(onA)
    expect(onB.statuses).toStrictEqual(['up'])
    expect(onA.statuses).toStrictEqual(['up'])

    const entry: DenylistEntry = {
      kind: 'subject',
      key: 'iss:carol',
      issuedBefore: Math.floor(ctx.nowSeconds()),
      expiresAt: Math.floor(ctx.nowSeconds()) + 60,
    }
    await a.addDenylistEntry(entry)
    expect(await waitUntil(() => onB.entries.length > 0 && onA.entries.length > 0, timeoutMs)).toBe(true)
    expect(onB.entries).toStrictEqual([entry])
    expect(onA.entries).toStrictEqual([entry])
    expect(onB.statuses).toStrictEqual(['up'])
    await unsubscribeA()
    await unsubscribeB()
  })

  test('every subscriber receives each entry once, in order', async () => {
    const { a, b } = ctx
    const first = recordingHandlers()
    const second = recordingHandlers()
    const unsubscribeFirst = await b.subscribe!(first)
    const unsubscribeSecond = await b.subscribe!(second)
    const entries = [1, 2, 3].map((i) => jti(`e${i}`))
    for (const entry of entries) await a.addDenylistEntry(entry)
    expect(await waitUntil(() => first.entries.length >= 3 && second.entries.length >= 3, timeoutMs)).toBe(
      true,
    )
    expect(first.entries).toStrictEqual(entries)
    expect(second.entries).toStrictEqual(entries)
    await unsubscribeFirst()
    await unsubscribeSecond()
  })

  test('unsubscribe stops delivery to that subscriber only; calling it twice is harmless', async () => {
    const { a, b } = ctx
    const leaving = recordingHandlers()
    const staying = recordingHandlers()
    const unsubscribeLeaving = await b.subscribe!(leaving)
    const unsubscribeStaying = await b.subscribe!(staying)
    await unsubscribeLeaving()
    await unsubscribeLeaving()

    const entry = jti('after-unsubscribe')
    await a.addDenylistEntry(entry)
    expect(await waitUntil(() => staying.entries.length > 0, timeoutMs)).toBe(true)
    expect(staying.entries).toStrictEqual([entry])
    expect(leaving.entries).toStrictEqual([])
    await unsubscribeStaying()
  })

  test('after every subscriber left, subscribing again works', async () => {
    const { a, b } = ctx
    const once = recordingHandlers()
    await (
      await b.subscribe!(once)
    )()
    const again = recordingHandlers()
    const unsubscribe = await b.subscribe!(again)
    expect(again.statuses).toStrictEqual(['up'])
    const entry = jti('resubscribed')
    await a.addDenylistEntry(entry)
    expect(await waitUntil(() => again.entries.length > 0, timeoutMs)).toBe(true)
    expect(again.entries).toStrictEqual([entry])
    expect(once.entries).toStrictEqual([])
    await unsubscribe()
  })
}
