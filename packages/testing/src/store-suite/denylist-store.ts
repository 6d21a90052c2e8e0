import type { DenylistEntry } from '@tokenguard/core'
import { byId, type SuiteContext } from './context.js'
import { recordingHandlers, waitUntil } from './recording.js'

/** The denylist store: entries shared across instances, kept exactly, merged, expired at expiresAt. */
export function denylistStoreTests(ctx: SuiteContext): void {
  const { timeoutMs } = ctx.settings

  test('an entry added on one instance is listed on the other, exactly as given', async () => {
    const { a, b } = ctx
    const entry: DenylistEntry = {
      kind: 'jti',
      key: 'issuer-hash:jti-1',
      expiresAt: Math.floor(ctx.nowSeconds()) + 60,
    }
    await a.addDenylistEntry(entry)
    expect(await b.listDenylist(ctx.nowSeconds())).toStrictEqual([entry])
    expect(await a.listDenylist(ctx.nowSeconds())).toStrictEqual([entry])
  })

  test('every kind is kept; a subject entry keeps issuedBefore', async () => {
    const { a, b } = ctx
    const t = Math.floor(ctx.nowSeconds())
    const entries: DenylistEntry[] = [
      { kind: 'jti', key: 'k1', expiresAt: t + 60 },
      { kind: 'fingerprint', key: 'k1', expiresAt: t + 120 },
      { kind: 'subject', key: 'iss:alice', issuedBefore: t - 5, expiresAt: t + 3600 },
      { kind: 'jti', key: 'fractional', expiresAt: t + 60.5 },
    ]
    for (const entry of entries) await a.addDenylistEntry(entry)
    const listed = await b.listDenylist(ctx.nowSeconds())
    expect([...listed].sort(byId)).toStrictEqual([...entries].sort(byId))
    expect(listed.find((e) => e.kind === 'subject')?.issuedBefore).toBe(t - 5)
  })

  test('the same entry added twice (from either instance) is listed once; the later cut-off and expiry win', async () => {
    const { a, b } = ctx
    const t = Math.floor(ctx.nowSeconds())
    const entry: DenylistEntry = { kind: 'fingerprint', key: 'fp-1', expiresAt: t + 60 }
    await a.addDenylistEntry(entry)
    await a.addDenylistEntry(entry)
    await b.addDenylistEntry(entry)
    expect(await b.listDenylist(ctx.nowSeconds())).toStrictEqual([entry])

    const later: DenylistEntry = { kind: 'subject', key: 'bob', issuedBefore: t, expiresAt: t + 60 }
    const laterStill: DenylistEntry = {
      kind: 'subject',
      key: 'bob',
      issuedBefore: t + 10,
      expiresAt: t + 90,
    }
    await a.addDenylistEntry(later)
    await b.addDenylistEntry(laterStill)
    const listed = (await a.listDenylist(ctx.nowSeconds())).sort(byId)
    expect(listed).toStrictEqual([entry, laterStill])

    // A replayed or reordered older revocation never loosens a newer one.
    const feed = recordingHandlers()
    const unsubscribe = await b.subscribe!(feed)
    await a.addDenylistEntry(later)
    expect((await b.listDenylist(ctx.nowSeconds())).sort(byId)).toStrictEqual([entry, laterStill])
    expect(await waitUntil(() => feed.entries.length > 0, timeoutMs)).toBe(true)
    expect(feed.entries.at(-1)).toStrictEqual(laterStill)
    await unsubscribe()
  })

  test('an entry whose expiresAt has passed is not listed', async () => {
    const { a, b } = ctx
    const t = ctx.nowSeconds()
    await a.addDenylistEntry({ kind: 'jti', key: 'old', expiresAt: Math.floor(t) - 10 })
    expect(await b.listDenylist(ctx.nowSeconds())).toStrictEqual([])
  })

  test('an entry expires on its own at expiresAt', async () => {
    const { a, b } = ctx
    const t = Math.floor(ctx.nowSeconds())
    const entry: DenylistEntry = { kind: 'jti', key: 'soon', expiresAt: t + 30 }
    const keeper: DenylistEntry = { kind: 'jti', key: 'later', expiresAt: t + 300 }
    await a.addDenylistEntry(entry)
    await a.addDenylistEntry(keeper)
    expect((await b.listDenylist(t + 29)).sort(byId)).toStrictEqual([keeper, entry])
    expect(await b.listDenylist(t + 30)).toStrictEqual([keeper])
    expect(await b.listDenylist(t + 31)).toStrictEqual([keeper])
    expect(await b.listDenylist(t + 300)).toStrictEqual([])
  })

  test('an empty denylist lists as []', async () => {
    expect(await ctx.b.listDenylist(ctx.nowSeconds())).toStrictEqual([])
  })
}
