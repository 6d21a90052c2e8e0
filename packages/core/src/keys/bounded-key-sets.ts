import { LRUCache } from 'lru-cache'
import { UnavailableError } from '../errors.js'
import type { KeySet } from './key-set.js'

/**
 * The remote key sets of dynamically trusted issuers, at most `max` at once. A slot is freed when
 * its key set has gone unused for `idleTtl`, or `cooldown` after a first load that failed (a
 * made-up tenant holds a slot no longer than that, and is refetched at most once per cooldown).
 *
 * When every slot is in use, a new issuer is refused with 503 `issuer_limit` (Retry-After: when the
 * least recently used slot frees). It is never admitted by evicting a live key set: an eviction
 * would turn the cap into a fetch per token for whoever sends many approved issuers. A request
 * that holds a key set keeps verifying with it even if its slot expires meanwhile; a key set is
 * only ever a source of keys, so losing one can refuse a token but never let one through.
 */

export interface BoundedKeySetsOptions {
  max: number
  /** How long an unused key set keeps its slot, in ms. */
  idleTtl: number
  /** How long a key set whose first load failed keeps its slot, in ms. */
  cooldown: number
  now: () => number
}

interface Slot {
  keySet: KeySet
  loaded: boolean
}

export function createBoundedKeySets(options: BoundedKeySetsOptions) {
  const slots = new LRUCache<string, Slot>({
    max: options.max,
    ttl: options.idleTtl,
    updateAgeOnGet: true,
    perf: { now: options.now },
    ttlResolution: 0, // read the clock on every check (it is the validator's `now`, a test seam)
    dispose: (slot) => slot.keySet.close(),
  })

  /** Tracks the first successful load; a failed first load shortens the slot to the cooldown. */
  function guarded(key: string, slot: Slot, keySet: KeySet): KeySet {
    const outcome = async <T>(work: Promise<T>): Promise<T> => {
      try {
        const value = await work
        // The first good load gives a slot shortened by an earlier failure its full idle life.
        if (!slot.loaded && slots.peek(key) === slot) slots.set(key, slot)
        slot.loaded = true
        return value
      } catch (error) {
        if (error instanceof UnavailableError && !slot.loaded && slots.peek(key) === slot) {
          slots.set(key, slot, { ttl: options.cooldown })
        } else if (!(error instanceof UnavailableError)) {
          slot.loaded = true // a refusal of the token (401) means the set itself loaded
        }
        throw error
      }
    }
    return {
      getKey: (header) => outcome(keySet.getKey(header)),
      // A key in hand means the set has loaded; before that, getKey tracks the first load.
      knownKey: (header) => (slot.loaded ? keySet.knownKey?.(header) : undefined),
      ready: () => outcome(keySet.ready()),
      onChange: (listener) => keySet.onChange(listener),
      close: () => keySet.close(),
    }
  }

  return {
    /** The key set under `key`, created by `create` if there is a free slot; else 503 `issuer_limit`. */
    acquire(key: string, create: () => KeySet): KeySet {
      const found = slots.get(key)
      if (found !== undefined) return found.keySet
      slots.purgeStale()
      if (slots.size >= options.max) {
        const oldest = slots.rkeys().next().value
        const wait = oldest === undefined ? 1000 : slots.getRemainingTTL(oldest)
        throw new UnavailableError({
          reason: 'issuer_limit',
          retryAfter: Math.max(1, Math.ceil(wait / 1000)),
        })
      }
      const slot: Slot = { keySet: undefined as unknown as KeySet, loaded: false }
      slot.keySet = guarded(key, slot, create())
      slots.set(key, slot)
      return slot.keySet
    },
    get size(): number {
      return slots.size
    },
    close(): void {
      slots.clear()
    },
  }
}

export type BoundedKeySets = ReturnType<typeof createBoundedKeySets>
