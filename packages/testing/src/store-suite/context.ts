import type { DenylistEntry, Store } from '@tokenguard/core'

/** The suite's options with their defaults applied (see `StoreSuiteOptions`). */
export interface SuiteSettings {
  shortTtlMs: number
  timeoutMs: number
  hasFeed: boolean
  hasPositions: boolean
  replayKeys: number
}

/**
 * What each group of tests reads while a test runs. Groups are registered once, before any fixture
 * exists, so they take this live view instead of the stores themselves: `a` and `b` are the two
 * instances of the running test.
 */
export interface SuiteContext {
  readonly settings: SuiteSettings
  readonly a: Store
  readonly b: Store
  /** The store takes a clock that the suite moves; false for a real-time store. */
  clocked(): boolean
  /** The store's time in epoch seconds (the suite's clock, or real time). */
  nowSeconds(): number
  /** Moves the store's clock forward (only meaningful when `clocked()`). */
  advance(ms: number): void
  /** Both fixtures are one instance (an in-process store). */
  sameInstance(): boolean
}

/** Orders entries by identity, so lists compare without depending on a store's listing order. */
export const byId = (a: DenylistEntry, b: DenylistEntry) =>
  `${a.kind}:${a.key}`.localeCompare(`${b.kind}:${b.key}`)
