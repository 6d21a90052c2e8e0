import type { DenylistEntry } from '@tokenguard/core'
import { byId, type SuiteContext } from './context.js'
import { recordingHandlers, waitUntil } from './recording.js'

/**
 * What proves a mirror fresh: snapshots with a position (`seq` in one `epoch`), feed entries that
 * carry consecutive positions, heartbeats ordered after the adds before them, and restore.
 */
export function feedPositionTests(ctx: SuiteContext): void {
  const { timeoutMs } = ctx.settings
  const entry = (key: string): DenylistEntry => ({
    kind: 'jti',
    key,
    expiresAt: Math.floor(ctx.nowSeconds()) + 60,
  })

  test('a snapshot lists what listDenylist lists, with a seq that counts adds and one epoch', async () => {
    const { a, b } = ctx
    const before = await b.snapshotDenylist!(ctx.nowSeconds())
    expect(typeof before.epoch).toBe('string')
    expect(before.epoch.length).toBeGreaterThan(0)
    await a.addDenylistEntry(entry('p1'))
    await b.addDenylistEntry(entry('p2'))
    const after = await a.snapshotDenylist!(ctx.nowSeconds())
    expect(after.epoch).toBe(before.epoch)
    expect(after.seq).toBe(before.seq + 2)
    expect([...after.entries].sort(byId)).toStrictEqual((await b.listDenylist(ctx.nowSeconds())).sort(byId))
  })

  test('feed entries carry consecutive positions in the snapshot epoch', async () => {
    const { a, b } = ctx
    const feed = recordingHandlers()
    const unsubscribe = await b.subscribe!(feed)
    const start = await a.snapshotDenylist!(ctx.nowSeconds())
    for (const key of ['q1', 'q2', 'q3']) await a.addDenylistEntry(entry(key))
    expect(await waitUntil(() => feed.entries.length >= 3, timeoutMs)).toBe(true)
    expect(feed.positions).toStrictEqual([1, 2, 3].map((i) => ({ seq: start.seq + i, epoch: start.epoch })))
    await unsubscribe()
  })

  test('a heartbeat comes back after every add that resolved before it, tagged with the position', async () => {
    const { a, b } = ctx
    const feed = recordingHandlers()
    const unsubscribe = await b.subscribe!(feed)
    const start = await a.snapshotDenylist!(ctx.nowSeconds())
    await a.addDenylistEntry(entry('h1'))
    await b.addDenylistEntry(entry('h2'))
    await a.heartbeat!('nonce-1')
    expect(await waitUntil(() => feed.heartbeats.length >= 1, timeoutMs)).toBe(true)
    expect(feed.heartbeats[0]).toStrictEqual({
      nonce: 'nonce-1',
      position: { seq: start.seq + 2, epoch: start.epoch },
      afterEntries: 2,
    })
    await unsubscribe()
  })

  test('restore writes entries back (merged, never loosened) and advances seq', async () => {
    const { a, b } = ctx
    const start = await a.snapshotDenylist!(ctx.nowSeconds())
    const t = Math.floor(ctx.nowSeconds())
    await a.addDenylistEntry({ kind: 'subject', key: 'dave', issuedBefore: t + 10, expiresAt: t + 90 })
    const restored: DenylistEntry[] = [
      { kind: 'subject', key: 'dave', issuedBefore: t, expiresAt: t + 60 },
      { kind: 'fingerprint', key: 'fp-r', expiresAt: t + 60 },
    ]
    await b.restoreDenylist!(restored, 'an-epoch-this-store-never-had')
    const after = await a.snapshotDenylist!(ctx.nowSeconds())
    expect(after.seq).toBeGreaterThan(start.seq + 1)
    expect([...after.entries].sort(byId)).toStrictEqual([
      { kind: 'fingerprint', key: 'fp-r', expiresAt: t + 60 },
      { kind: 'subject', key: 'dave', issuedBefore: t + 10, expiresAt: t + 90 },
    ])
  })
}
