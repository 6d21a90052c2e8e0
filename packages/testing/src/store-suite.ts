/**
 * The Store contract as one Jest suite: every implementation (MemoryStore, RedisStore, yours) runs it.
 *
 *   import { runStoreSuite } from '@tokenguard/testing/store-suite'
 *   runStoreSuite('MyStore', async () => {
 *     const backend = await startBackend()
 *     return { stores: [new MyStore(backend), new MyStore(backend)], now: undefined, cleanup: () => backend.stop() }
 *   })
 *
 * The feed tests run when the store has `subscribe`; the position, heartbeat and restore tests when
 * it has `snapshotDenylist`, `heartbeat` and `restoreDenylist` (what proves a mirror fresh).
 * Needs Jest's globals (`describe`, `test`, `expect`, `afterEach`, `beforeEach`).
 * `stores` are two instances sharing one backend (two machines of a fleet); for an in-process
 * store both may be the same instance. `now`, when the store takes a clock, lets the suite move
 * time instead of waiting; without it the suite uses real time, short real TTLs and bounded polling.
 */
import type { DenylistEntry, DenylistFeedHandlers, FeedPosition, Store, StoreStatus } from '@tokenguard/core'

export interface StoreSuiteFixture {
  /** Two instances over one backend (for an in-process store: possibly the same instance twice). */
  stores: [Store, Store]
  /** The store's clock in epoch milliseconds, when it takes one; undefined for a real-time store. */
  now: { set(ms: number): void } | undefined
  /** Closes what the factory opened. Runs after every test, also after a test closed the stores. */
  cleanup(): Promise<void>
}

export interface StoreSuiteOptions {
  /** The short TTL used against a real-time store (ms). Default 100. */
  shortTtlMs?: number
  /** How long a feed delivery or an expiry may take before the test fails (ms). Default 2000. */
  timeoutMs?: number
  /** The store has a change feed (`subscribe`). Default true; false runs the polling contract only. */
  feed?: boolean
  /**
   * The store proves freshness: `snapshotDenylist`, `heartbeat` and `restoreDenylist`, with positions
   * on feed entries. Default true (when `feed` is true).
   */
  positions?: boolean
  /** Keys the replay guard must remember at once without forgetting a live one. Default 2000. */
  replayKeys?: number
}

/** A feed subscriber that records what it receives. */
export interface RecordingHandlers extends DenylistFeedHandlers {
  entries: DenylistEntry[]
  statuses: StoreStatus[]
  /** The position of each entry, when the store gives one (same order as `entries`). */
  positions: Array<FeedPosition | undefined>
  /** Heartbeats heard, in arrival order, each after the entries that arrived before it. */
  heartbeats: Array<{ nonce: string; position: FeedPosition; afterEntries: number }>
}

export function recordingHandlers(): RecordingHandlers {
  const entries: DenylistEntry[] = []
  const statuses: StoreStatus[] = []
  const positions: Array<FeedPosition | undefined> = []
  const heartbeats: RecordingHandlers['heartbeats'] = []
  return {
    entries,
    statuses,
    positions,
    heartbeats,
    onEntry: (entry, position) => {
      entries.push(entry)
      positions.push(position)
    },
    onStatus: (status) => statuses.push(status),
    onHeartbeat: (nonce, position) => heartbeats.push({ nonce, position, afterEntries: entries.length }),
  }
}

/** Polls `condition` every `stepMs` until it holds or `timeoutMs` passes; resolves whether it held. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 2000,
  stepMs = 10,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await condition()) return true
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, stepMs))
  }
}

const byId = (a: DenylistEntry, b: DenylistEntry) => `${a.kind}:${a.key}`.localeCompare(`${b.kind}:${b.key}`)

export function runStoreSuite(
  name: string,
  factory: () => Promise<StoreSuiteFixture>,
  options: StoreSuiteOptions = {},
): void {
  const shortTtlMs = options.shortTtlMs ?? 100
  const timeoutMs = options.timeoutMs ?? 2000
  const hasFeed = options.feed ?? true
  const hasPositions = hasFeed && (options.positions ?? true)
  const replayKeys = options.replayKeys ?? 2000

  describe(`Store contract: ${name}`, () => {
    let fixture: StoreSuiteFixture | undefined
    let clockMs = 0
    let a: Store
    let b: Store

    const nowMs = () => (fixture?.now ? clockMs : Date.now())
    const nowSeconds = () => nowMs() / 1000
    const advance = (ms: number) => {
      clockMs += ms
      fixture?.now?.set(clockMs)
    }
    const sameInstance = () => a === b

    beforeEach(async () => {
      fixture = await factory()
      clockMs = Date.now()
      fixture.now?.set(clockMs)
      ;[a, b] = fixture.stores
    })

    afterEach(async () => {
      const current = fixture
      fixture = undefined
      await current?.cleanup()
    })

    describe('cache tier', () => {
      test('a value set on one instance is read on the other', async () => {
        await a.set('k1', '{"sub":"alice"}', 60_000)
        expect(await b.get('k1')).toBe('{"sub":"alice"}')
        expect(await a.get('k1')).toBe('{"sub":"alice"}')
      })

      test('an absent key reads as undefined (never null)', async () => {
        const value = await b.get('absent')
        expect(value).toBeUndefined()
      })

      test('values come back exactly as given, nothing added', async () => {
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
        await a.set('iss:1:*', 'one', 60_000)
        await a.set('iss:1:?', 'two', 60_000)
        await a.set('ä {x} [y]', 'three', 60_000)
        expect(await b.get('iss:1:*')).toBe('one')
        expect(await b.get('iss:1:?')).toBe('two')
        expect(await b.get('ä {x} [y]')).toBe('three')
        expect(await b.get('iss:1:')).toBeUndefined()
      })

      test('set overwrites; delete removes for every instance; deleting an absent key resolves', async () => {
        await a.set('k', 'first', 60_000)
        await b.set('k', 'second', 60_000)
        expect(await a.get('k')).toBe('second')
        await a.delete('k')
        expect(await b.get('k')).toBeUndefined()
        await expect(b.delete('never-set')).resolves.toBeUndefined()
      })

      test('a value is gone after its ttl, and not before', async () => {
        if (fixture?.now) {
          await a.set('short', 'v', 1000)
          advance(999)
          expect(await b.get('short')).toBe('v')
          advance(1)
          expect(await b.get('short')).toBeUndefined()
          expect(await a.get('short')).toBeUndefined()
          return
        }
        await a.set('long', 'kept', 60_000)
        const setAt = Date.now()
        await a.set('short', 'v', shortTtlMs)
        expect(await b.get('short')).toBe('v')
        expect(
          await waitUntil(async () => (await b.get('short')) === undefined, shortTtlMs + timeoutMs),
        ).toBe(true)
        // Gone no earlier than its ttl (a few ms of slack for timer and clock granularity).
        expect(Date.now() - setAt).toBeGreaterThanOrEqual(shortTtlMs - 5)
        expect(await b.get('long')).toBe('kept')
      })

      test('a ttl of 0 or less stores nothing', async () => {
        await a.set('zero', 'v', 0)
        await a.set('negative', 'v', -5)
        expect(await b.get('zero')).toBeUndefined()
        expect(await b.get('negative')).toBeUndefined()
      })
    })

    describe('addIfAbsent', () => {
      test('exactly one of many concurrent callers across instances wins a key', async () => {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).addIfAbsent('proof-jti', 60_000)),
        )
        expect(results.filter(Boolean)).toHaveLength(1)
        expect(await b.addIfAbsent('proof-jti', 60_000)).toBe(false)
        expect(await a.addIfAbsent('other-jti', 60_000)).toBe(true)
      })

      test('a key can be won again once its ttl has passed', async () => {
        if (fixture?.now) {
          expect(await a.addIfAbsent('k', 1000)).toBe(true)
          advance(999)
          expect(await b.addIfAbsent('k', 1000)).toBe(false)
          advance(1)
          expect(await b.addIfAbsent('k', 1000)).toBe(true)
          return
        }
        expect(await a.addIfAbsent('k', shortTtlMs)).toBe(true)
        expect(await b.addIfAbsent('k', shortTtlMs)).toBe(false)
        expect(await waitUntil(async () => b.addIfAbsent('k', 60_000), shortTtlMs + timeoutMs)).toBe(true)
      })

      test('a key is never forgotten before its ttl, however many others come after it', async () => {
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
    })

    describe('denylist', () => {
      test('an entry added on one instance is listed on the other, exactly as given', async () => {
        const entry: DenylistEntry = {
          kind: 'jti',
          key: 'issuer-hash:jti-1',
          expiresAt: Math.floor(nowSeconds()) + 60,
        }
        await a.addDenylistEntry(entry)
        expect(await b.listDenylist(nowSeconds())).toStrictEqual([entry])
        expect(await a.listDenylist(nowSeconds())).toStrictEqual([entry])
      })

      test('every kind is kept; a subject entry keeps issuedBefore', async () => {
        const t = Math.floor(nowSeconds())
        const entries: DenylistEntry[] = [
          { kind: 'jti', key: 'k1', expiresAt: t + 60 },
          { kind: 'fingerprint', key: 'k1', expiresAt: t + 120 },
          { kind: 'subject', key: 'iss:alice', issuedBefore: t - 5, expiresAt: t + 3600 },
          { kind: 'jti', key: 'fractional', expiresAt: t + 60.5 },
        ]
        for (const entry of entries) await a.addDenylistEntry(entry)
        const listed = await b.listDenylist(nowSeconds())
        expect([...listed].sort(byId)).toStrictEqual([...entries].sort(byId))
        expect(listed.find((e) => e.kind === 'subject')?.issuedBefore).toBe(t - 5)
      })

      test('the same entry added twice (from either instance) is listed once; the later cut-off and expiry win', async () => {
        const t = Math.floor(nowSeconds())
        const entry: DenylistEntry = { kind: 'fingerprint', key: 'fp-1', expiresAt: t + 60 }
        await a.addDenylistEntry(entry)
        await a.addDenylistEntry(entry)
        await b.addDenylistEntry(entry)
        expect(await b.listDenylist(nowSeconds())).toStrictEqual([entry])

        const later: DenylistEntry = { kind: 'subject', key: 'bob', issuedBefore: t, expiresAt: t + 60 }
        const laterStill: DenylistEntry = {
          kind: 'subject',
          key: 'bob',
          issuedBefore: t + 10,
          expiresAt: t + 90,
        }
        await a.addDenylistEntry(later)
        await b.addDenylistEntry(laterStill)
        const listed = (await a.listDenylist(nowSeconds())).sort(byId)
        expect(listed).toStrictEqual([entry, laterStill])

        // A replayed or reordered older revocation never loosens a newer one.
        const feed = recordingHandlers()
        const unsubscribe = await b.subscribe!(feed)
        await a.addDenylistEntry(later)
        expect((await b.listDenylist(nowSeconds())).sort(byId)).toStrictEqual([entry, laterStill])
        expect(await waitUntil(() => feed.entries.length > 0, timeoutMs)).toBe(true)
        expect(feed.entries.at(-1)).toStrictEqual(laterStill)
        await unsubscribe()
      })

      test('an entry whose expiresAt has passed is not listed', async () => {
        const t = nowSeconds()
        await a.addDenylistEntry({ kind: 'jti', key: 'old', expiresAt: Math.floor(t) - 10 })
        expect(await b.listDenylist(nowSeconds())).toStrictEqual([])
      })

      test('an entry expires on its own at expiresAt', async () => {
        const t = Math.floor(nowSeconds())
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
        expect(await b.listDenylist(nowSeconds())).toStrictEqual([])
      })
    })

    // Registered only for a store that has a feed (a polled store has none to test).
    if (hasFeed) describe('change feed', feedTests)
    if (hasPositions) describe('positions, heartbeats and restore', positionTests)

    function feedTests() {
      test('subscribe reports up; an add on one instance reaches the other (and itself)', async () => {
        const onB = recordingHandlers()
        const onA = recordingHandlers()
        const unsubscribeB = await b.subscribe!(onB)
        const unsubscribeA = await a.subscribe!(onA)
        expect(onB.statuses).toStrictEqual(['up'])
        expect(onA.statuses).toStrictEqual(['up'])

        const entry: DenylistEntry = {
          kind: 'subject',
          key: 'iss:carol',
          issuedBefore: Math.floor(nowSeconds()),
          expiresAt: Math.floor(nowSeconds()) + 60,
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
        const first = recordingHandlers()
        const second = recordingHandlers()
        const unsubscribeFirst = await b.subscribe!(first)
        const unsubscribeSecond = await b.subscribe!(second)
        const t = Math.floor(nowSeconds())
        const entries: DenylistEntry[] = [1, 2, 3].map((i) => ({
          kind: 'jti',
          key: `e${i}`,
          expiresAt: t + 60,
        }))
        for (const entry of entries) await a.addDenylistEntry(entry)
        expect(
          await waitUntil(() => first.entries.length >= 3 && second.entries.length >= 3, timeoutMs),
        ).toBe(true)
        expect(first.entries).toStrictEqual(entries)
        expect(second.entries).toStrictEqual(entries)
        await unsubscribeFirst()
        await unsubscribeSecond()
      })

      test('unsubscribe stops delivery to that subscriber only; calling it twice is harmless', async () => {
        const leaving = recordingHandlers()
        const staying = recordingHandlers()
        const unsubscribeLeaving = await b.subscribe!(leaving)
        const unsubscribeStaying = await b.subscribe!(staying)
        await unsubscribeLeaving()
        await unsubscribeLeaving()

        const entry: DenylistEntry = {
          kind: 'jti',
          key: 'after-unsubscribe',
          expiresAt: Math.floor(nowSeconds()) + 60,
        }
        await a.addDenylistEntry(entry)
        expect(await waitUntil(() => staying.entries.length > 0, timeoutMs)).toBe(true)
        expect(staying.entries).toStrictEqual([entry])
        expect(leaving.entries).toStrictEqual([])
        await unsubscribeStaying()
      })

      test('after every subscriber left, subscribing again works', async () => {
        const once = recordingHandlers()
        await (
          await b.subscribe!(once)
        )()
        const again = recordingHandlers()
        const unsubscribe = await b.subscribe!(again)
        expect(again.statuses).toStrictEqual(['up'])
        const entry: DenylistEntry = {
          kind: 'jti',
          key: 'resubscribed',
          expiresAt: Math.floor(nowSeconds()) + 60,
        }
        await a.addDenylistEntry(entry)
        expect(await waitUntil(() => again.entries.length > 0, timeoutMs)).toBe(true)
        expect(again.entries).toStrictEqual([entry])
        expect(once.entries).toStrictEqual([])
        await unsubscribe()
      })
    }

    function positionTests() {
      const entry = (key: string): DenylistEntry => ({
        kind: 'jti',
        key,
        expiresAt: Math.floor(nowSeconds()) + 60,
      })

      test('a snapshot lists what listDenylist lists, with a seq that counts adds and one epoch', async () => {
        const before = await b.snapshotDenylist!(nowSeconds())
        expect(typeof before.epoch).toBe('string')
        expect(before.epoch.length).toBeGreaterThan(0)
        await a.addDenylistEntry(entry('p1'))
        await b.addDenylistEntry(entry('p2'))
        const after = await a.snapshotDenylist!(nowSeconds())
        expect(after.epoch).toBe(before.epoch)
        expect(after.seq).toBe(before.seq + 2)
        expect([...after.entries].sort(byId)).toStrictEqual((await b.listDenylist(nowSeconds())).sort(byId))
      })

      test('feed entries carry consecutive positions in the snapshot epoch', async () => {
        const feed = recordingHandlers()
        const unsubscribe = await b.subscribe!(feed)
        const start = await a.snapshotDenylist!(nowSeconds())
        for (const key of ['q1', 'q2', 'q3']) await a.addDenylistEntry(entry(key))
        expect(await waitUntil(() => feed.entries.length >= 3, timeoutMs)).toBe(true)
        expect(feed.positions).toStrictEqual(
          [1, 2, 3].map((i) => ({ seq: start.seq + i, epoch: start.epoch })),
        )
        await unsubscribe()
      })

      test('a heartbeat comes back after every add that resolved before it, tagged with the position', async () => {
        const feed = recordingHandlers()
        const unsubscribe = await b.subscribe!(feed)
        const start = await a.snapshotDenylist!(nowSeconds())
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
        const start = await a.snapshotDenylist!(nowSeconds())
        const t = Math.floor(nowSeconds())
        await a.addDenylistEntry({ kind: 'subject', key: 'dave', issuedBefore: t + 10, expiresAt: t + 90 })
        const restored: DenylistEntry[] = [
          { kind: 'subject', key: 'dave', issuedBefore: t, expiresAt: t + 60 },
          { kind: 'fingerprint', key: 'fp-r', expiresAt: t + 60 },
        ]
        await b.restoreDenylist!(restored, 'an-epoch-this-store-never-had')
        const after = await a.snapshotDenylist!(nowSeconds())
        expect(after.seq).toBeGreaterThan(start.seq + 1)
        expect([...after.entries].sort(byId)).toStrictEqual([
          { kind: 'fingerprint', key: 'fp-r', expiresAt: t + 60 },
          { kind: 'subject', key: 'dave', issuedBefore: t + 10, expiresAt: t + 90 },
        ])
      })
    }

    describe('close', () => {
      test('close() is idempotent', async () => {
        await expect(a.close()).resolves.toBeUndefined()
        await expect(a.close()).resolves.toBeUndefined()
        await expect(b.close()).resolves.toBeUndefined()
        await expect(b.close()).resolves.toBeUndefined()
      })

      if (hasFeed) {
        test('a closed instance delivers nothing more to its subscribers', async () => {
          const closing = recordingHandlers()
          await b.subscribe!(closing)
          const control = recordingHandlers()
          if (!sameInstance()) await a.subscribe!(control)
          await b.close()

          const entry: DenylistEntry = {
            kind: 'jti',
            key: 'after-close',
            expiresAt: Math.floor(nowSeconds()) + 60,
          }
          await a.addDenylistEntry(entry)
          // In-process delivery is synchronous; across instances, wait for the control to see it.
          if (!sameInstance()) expect(await waitUntil(() => control.entries.length > 0, timeoutMs)).toBe(true)
          expect(closing.entries).toStrictEqual([])
        })
      }
    })
  })
}
