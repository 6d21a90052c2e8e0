import { randomUUID } from 'node:crypto'
import type { EventListener } from '../events.js'
import { entryId, type DenylistEntry, type DenylistStore, type FeedPosition } from '../store/store.js'
import { HistoryCheck } from './history-check.js'
import type { MirrorEntries } from './mirror-entries.js'
import { createResync, type SyncState } from './mirror-resync.js'

export interface MirrorSyncOptions {
  store: DenylistStore
  mirror: MirrorEntries
  /** Wall clock (ms): entry expiry. */
  now: () => number
  /**
   * Monotonic clock (ms): how old a proof is. Default `performance.now`: a wall clock stepped by
   * NTP (or a shifted test clock) must not make a proven mirror stale, or a stale one fresh.
   */
  elapsed?: () => number
  emit: EventListener
  /** All in milliseconds. */
  maxStaleness: number
  heartbeatInterval: number
  pollInterval: number
}

/** Heartbeats awaiting their echo; older ones are dropped (an echo that late proves nothing useful). */
const MAX_PENDING = 64
/**
 * Keeps a mirror current and knows how current it is. Freshness is proven, never inferred from
 * socket events: the mirror is fresh as of the send time of its latest own heartbeat that came
 * back on the feed at the position the mirror holds (a feed keeps order, so every add that
 * resolved before that send time has been delivered), or of its latest successful full load.
 * A silent fault (a paused link, a stopped Redis, a subscription moved without a word) stops the
 * echoes, and the bound runs out on its own.
 *
 * The position (seq, epoch) tells the rest: a seq ahead of the mirror is a lost message (reload),
 * a seq behind it or another epoch is a store that lost data (write the mirror back, then reload).
 * A store without heartbeats is polled instead.
 *
 * This file is that heartbeat state machine (feed messages, echoes, staleness); the loads and the
 * repair of a store that lost entries are denylist/mirror-resync.ts.
 */
export function createMirrorSync(options: MirrorSyncOptions) {
  const { store, mirror, now, emit } = options
  const elapsed = options.elapsed ?? (() => performance.now())
  const proven =
    typeof store.subscribe === 'function' &&
    typeof store.heartbeat === 'function' &&
    typeof store.snapshotDenylist === 'function'
  const state: SyncState = {
    position: undefined,
    positionBeat: 0,
    beats: 0,
    loaded: false,
    lostEpoch: undefined,
    arrivedDuringLoad: undefined,
    closed: false,
  }
  let freshAsOf = 0
  let degraded = false
  let feedDown = false
  /** Heartbeats awaiting their echo: send time and send order. */
  const pending = new Map<string, { sentAt: number; beat: number }>()
  let unsubscribe: (() => Promise<void>) | undefined
  let timer: NodeJS.Timeout | undefined
  const history = new HistoryCheck(mirror)
  const resync = createResync({ store, mirror, history, state, proven, now, elapsed, emit, prove })

  function prove(sentAt: number): void {
    if (sentAt > freshAsOf) freshAsOf = sentAt
    if (degraded && isFresh()) {
      degraded = false
      emit({ type: 'store_recovered' })
    }
  }

  function isFresh(): boolean {
    return state.loaded && elapsed() - freshAsOf <= options.maxStaleness
  }

  /** Emits `store_degraded` once per outage, as soon as the bound has run out. */
  function noticeStaleness(): void {
    if (!state.loaded || degraded || isFresh()) return
    degraded = true
    emit({ type: 'store_degraded', error: feedDown ? 'denylist feed down' : 'denylist proof overdue' })
  }

  function onEntry(entry: DenylistEntry, at?: FeedPosition): void {
    if (state.closed) return
    mirror.remember(entry)
    if (at === undefined || !proven) return
    if (!history.delivered(entry, at) && !resync.busy()) {
      // Two different adds at one position: the history this mirror followed was discarded.
      resync.repair(at.epoch)
    }
    if (state.arrivedDuringLoad !== undefined) {
      state.arrivedDuringLoad.push({ ...at, id: entryId(entry) })
      return
    }
    const position = state.position
    if (position === undefined || resync.busy()) return
    if (at.epoch !== position.epoch) resync.repair(at.epoch)
    else if (at.seq === position.seq + 1) position.seq = at.seq
    else if (at.seq > position.seq + 1) resync.request('gap').catch(() => {})
    // at.seq <= position.seq: already in the mirror through a load.
  }

  function onHeartbeat(nonce: string, at: FeedPosition): void {
    const sent = pending.get(nonce)
    if (sent === undefined || state.closed) return // another instance's heartbeat
    const { sentAt, beat } = sent
    for (const [other, earlier] of pending) if (earlier.beat <= beat) pending.delete(other)
    const position = state.position
    if (position === undefined || resync.busy() || beat <= state.positionBeat) return
    if (at.epoch !== position.epoch || at.seq < position.seq) {
      resync.repair(at.epoch)
    } else if (at.seq > position.seq) {
      resync.request('gap').catch(() => {})
    } else if (history.missingBefore(beat)) {
      // Sent after an own add resolved, on the same path, and no feed message settled it: the
      // add is not in the history this heartbeat went through.
      resync.repair(at.epoch)
    } else {
      prove(sentAt)
    }
  }

  function tick(): void {
    if (state.closed) return
    const freed = mirror.sweep(now() / 1000)
    if (freed > 0) emit({ type: 'denylist_swept', entries: freed })
    noticeStaleness()
    if (!state.loaded) return // start() is retried by the denylist's checks
    if (!proven) {
      resync.request('poll').catch(() => {})
      return
    }
    if (feedDown || resync.busy()) return
    const nonce = randomUUID()
    pending.set(nonce, { sentAt: elapsed(), beat: ++state.beats })
    if (pending.size > MAX_PENDING) pending.delete(pending.keys().next().value!)
    store.heartbeat!(nonce).catch(() => {
      pending.delete(nonce) // never published: it cannot come back
    })
  }

  return {
    isFresh,
    noticeStaleness,
    /** Subscribes (when the store has a feed), then loads: an add in between arrives on the feed. */
    async start(): Promise<void> {
      if (unsubscribe === undefined && store.subscribe !== undefined) {
        unsubscribe = await store.subscribe({
          onEntry,
          onHeartbeat,
          onStatus(status) {
            if (state.closed) return
            if (status === 'down') {
              feedDown = true
              pending.clear()
              return
            }
            const wasDown = feedDown
            feedDown = false
            if (wasDown && state.loaded) resync.request('reconnect').catch(() => {})
          },
        })
      }
      timer ??= setInterval(tick, proven ? options.heartbeatInterval : options.pollInterval)
      timer.unref()
      await resync.request('initial')
    },
    /** Loads the whole list now (a request on a stale mirror with `fallbackToStore`). */
    reload: () => resync.request('reconnect'),
    /** An add this instance made: into the mirror now, and checked against the store's history. */
    remember(entry: DenylistEntry, at?: FeedPosition): void {
      mirror.remember(entry)
      if (at !== undefined && proven && !state.closed && !history.acknowledged(entry, at, state.beats)) {
        resync.repair(at.epoch)
      }
    },
    async close(): Promise<void> {
      state.closed = true
      clearInterval(timer)
      await unsubscribe?.()
    },
  }
}
