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
import type { Store } from '@tokenguard/core'
import { cacheTierTests } from './store-suite/cache-tier.js'
import { closeTests } from './store-suite/close.js'
import type { SuiteContext, SuiteSettings } from './store-suite/context.js'
import { denylistFeedTests } from './store-suite/denylist-feed.js'
import { denylistStoreTests } from './store-suite/denylist-store.js'
import { feedPositionTests } from './store-suite/feed-positions.js'
import { replayGuardTests } from './store-suite/replay-guard.js'

export { recordingHandlers, waitUntil, type RecordingHandlers } from './store-suite/recording.js'

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

export function runStoreSuite(
  name: string,
  factory: () => Promise<StoreSuiteFixture>,
  options: StoreSuiteOptions = {},
): void {
  const hasFeed = options.feed ?? true
  const settings: SuiteSettings = {
    shortTtlMs: options.shortTtlMs ?? 100,
    timeoutMs: options.timeoutMs ?? 2000,
    hasFeed,
    hasPositions: hasFeed && (options.positions ?? true),
    replayKeys: options.replayKeys ?? 2000,
  }

  describe(`Store contract: ${name}`, () => {
    let fixture: StoreSuiteFixture | undefined
    let clockMs = 0
    let a: Store
    let b: Store

    const nowMs = () => (fixture?.now ? clockMs : Date.now())
    // The groups below read the running test's stores and clock through this view.
    const ctx: SuiteContext = {
      settings,
      get a() {
        return a
      },
      get b() {
        return b
      },
      clocked: () => fixture?.now !== undefined,
      nowSeconds: () => nowMs() / 1000,
      advance: (ms) => {
        clockMs += ms
        fixture?.now?.set(clockMs)
      },
      sameInstance: () => a === b,
    }

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

    describe('cache tier', () => cacheTierTests(ctx))
    describe('addIfAbsent', () => replayGuardTests(ctx))
    describe('denylist', () => denylistStoreTests(ctx))
    // Registered only for a store that has a feed (a polled store has none to test).
    if (settings.hasFeed) describe('change feed', () => denylistFeedTests(ctx))
    if (settings.hasPositions) describe('positions, heartbeats and restore', () => feedPositionTests(ctx))
    describe('close', () => closeTests(ctx))
  })
}
