import type { SuiteContext } from './context.js'
import { waitUntil } from './recording.js'

/** The cache tier: values shared across instances, exact round trips, independent keys, TTLs. */
export function cacheTierTests(ctx: SuiteContext): void {
  const { shortTtlMs, timeoutMs } = ctx.settings

  test('a value set on one instance is read on the other', async () => {
    const { a, b } = ctx
    await a.set('k1', '{"sub":"alice"}', 60_000)
    expect(await b.get('k1')).toBe('{"sub":"alice"}')
    expect(await a.get('k1')).toBe('{"sub":"alice"}')
  })

  test('an absent key reads as undefined (never null)', async () => {
    const value = await ctx.b.get('absent')
    expect(value).toBeUndefined()
  })

  test('values come back exactly as given, nothing added', async () => {
    const { a, b } = ctx
    const values = [
      '',
      '{"active":true,"scope":"a b","exp":1999999999}',
      'ünïcødé ✓ \u0000 "quoted" \\ back',
      'x'.repeat(10_000),
    ]
    for (const [i, value] of values.entries()) await a.set(`v${i}`, value, 60_000)
    for (const [i, value] of values.entries()) expect(await b.get(`v${i}`)).toBe(value)
  })

  test('keys are independent, whatever characters they hold', async () => {
    const { a, b } = ctx
    await a.set('iss:1:*', 'one', 60_000)
    await a.set('iss:1:?', 'two', 60_000)
    await a.set('ä {x} [y]', 'three', 60_000)
    expect(await b.get('iss:1:*')).toBe('one')
    expect(await b.get('iss:1:?')).toBe('two')
    expect(await b.get('ä {x} [y]')).toBe('three')
    expect(await b.get('iss:1:')).toBeUndefined()
  })

  test('set overwrites; delete removes for every instance; deleting an absent key resolves', async () => {
    const { a, b } = ctx
    await a.set('k', 'first', 60_000)
    await b.set('k', 'second', 60_000)
    expect(await a.get('k')).toBe('second')
    await a.delete('k')
    expect(await b.get('k')).toBeUndefined()
    await expect(b.delete('never-set')).resolves.toBeUndefined()
  })

  test('a value is gone after its ttl, and not before', async () => {
    const { a, b } = ctx
    if (ctx.clocked()) {
      await a.set('short', 'v', 1000)
      ctx.advance(999)
      expect(await b.get('short')).toBe('v')
      ctx.advance(1)
      expect(await b.get('short')).toBeUndefined()
      expect(await a.get('short')).toBeUndefined()
      return
    }
    await a.set('long', 'kept', 60_000)
    const setAt = Date.now()
    await a.set('short', 'v', shortTtlMs)
    expect(await b.get('short')).toBe('v')
    expect(await waitUntil(async () => (await b.get('short')) === undefined, shortTtlMs + timeoutMs)).toBe(
      true,
    )
    // Gone no earlier than its ttl (a few ms of slack for timer and clock granularity).
    expect(Date.now() - setAt).toBeGreaterThanOrEqual(shortTtlMs - 5)
    expect(await b.get('long')).toBe('kept')
  })

  test('a ttl of 0 or less stores nothing', async () => {
    const { a, b } = ctx
    await a.set('zero', 'v', 0)
    await a.set('negative', 'v', -5)
    expect(await b.get('zero')).toBeUndefined()
    expect(await b.get('negative')).toBeUndefined()
  })
}
