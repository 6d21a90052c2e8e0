import { randomUUID } from 'node:crypto'
import type { EventListener } from '../events.js'
import {
  entryId,
  type DenylistEntry,
  type DenylistSnapshot,
  type DenylistStore,
  type FeedPosition,
} from '../store/store.js'
import { HistoryCheck } from './history-check.js'
import type { MirrorEntries } from './mirror-entries.js'

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

type SyncReason = 'initial' | 'reconnect' | 'gap' | 'epoch' | 'poll'

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
 */
export function createMirrorSync(options: MirrorSyncOptions) {
  const { store, mirror, now, emit } = options
  const elapsed = options.elapsed ?? (() => performance.now())
  const proven =
    typeof store.subscribe === 'function' &&
    typeof store.heartbeat === 'function' &&
    typeof store.snapshotDenylist === 'function'
  let position: FeedPosition | undefined
  /** Heartbeats sent before the load that set `position` predate it: their echo proves nothing. */
  let positionBeat = 0
  let freshAsOf = 0
  let loaded = false
  let degraded = false
  let feedDown = false
  /** Heartbeats awaiting their echo: send time and send order. */
  const pending = new Map<string, { sentAt: number; beat: number }>()
  let beats = 0
  /** Positions of entries that arrived while a load was in flight. */
  let arrivedDuringLoad: Array<FeedPosition & { id: string }> | undefined
  let syncing: Promise<void> | undefined
  let followUp: SyncReason | undefined
  let lostEpoch: string | undefined
  let unsubscribe: (() => Promise<void>) | undefined
  let timer: NodeJS.Timeout | undefined
  let closed = false
  const history = new HistoryCheck(mirror)

  /** The store's history lost what this mirror was told: repair, taking a new epoch. */
  function diverged(epoch: string): void {
    lostEpoch = position?.epoch ?? epoch
    requestSync('epoch').catch(() => {})
  }

  function prove(sentAt: number): void {
    if (sentAt > freshAsOf) freshAsOf = sentAt
    if (degraded && isFresh()) {
      degraded = false
      emit({ type: 'store_recovered' })
    }
  }

  function isFresh(): boolean {
    return loaded && elapsed() - freshAsOf <= options.maxStaleness
  }

  /** Emits `store_degraded` once per outage, as soon as the bound has run out. */
  function noticeStaleness(): void {
    if (!loaded || degraded || isFresh()) return
    degraded = true
    emit({ type: 'store_degraded', error: feedDown ? 'denylist feed down' : 'denylist proof overdue' })
  }

  function requestSync(reason: SyncReason): Promise<void> {
    if (syncing !== undefined) {
      if (followUp === undefined || reason === 'epoch') followUp = reason
      return syncing
    }
    const run = (lostEpoch !== undefined ? repairThenLoad() : load(reason)).finally(() => {
      syncing = undefined
      const next = followUp
      followUp = undefined
      if (next !== undefined && !closed) requestSync(next).catch(() => {})
    })
    syncing = run
    return run
  }

  async function load(reason: SyncReason): Promise<void> {
    const sentAt = now()
    const provenAt = elapsed()
    const beatAtSend = beats
    const started = performance.now()
    arrivedDuringLoad = []
    let snapshot: DenylistSnapshot
    let arrived: Array<FeedPosition & { id: string }>
    try {
      snapshot = proven
        ? await store.snapshotDenylist!(sentAt / 1000)
        : { entries: await store.listDenylist(sentAt / 1000), seq: 0, epoch: '' }
    } finally {
      arrived = arrivedDuringLoad ?? []
      arrivedDuringLoad = undefined
    }
    if (proven && position !== undefined && history.lostFrom(snapshot, position, sentAt, arrived)) {
      // The store came back with other data (an empty restart), with less history than this
      // mirror saw, or without entries it acknowledged (a failover to a replica that missed the
      // last adds, writes a demoted master took): write the mirror back before trusting it.
      for (const entry of snapshot.entries) mirror.remember(entry)
      lostEpoch = position.epoch
      followUp = 'epoch'
      return
    }
    for (const entry of snapshot.entries) mirror.remember(entry)
    history.loaded(snapshot)
    position = { seq: snapshot.seq, epoch: snapshot.epoch }
    positionBeat = beatAtSend
    // Adds published after the snapshot may have overtaken its reply: count those in order.
    const later = new Set(arrived.filter((at) => at.epoch === snapshot.epoch).map((at) => at.seq))
    while (later.has(position.seq + 1)) position.seq++
    loaded = true
    if (reason !== 'poll') {
      emit({
        type: 'denylist_resynced',
        reason: reason === 'initial' ? 'reconnect' : reason,
        entries: snapshot.entries.length,
        durationMs: performance.now() - started,
      })
    }
    prove(provenAt)
  }

  /** Writes the mirror's live entries back to a store that lost them, then reloads. */
  async function repairThenLoad(): Promise<void> {
    const epoch = lostEpoch!
    const started = performance.now()
    const entries = mirror.liveEntries(now() / 1000)
    if (store.restoreDenylist !== undefined) await store.restoreDenylist(entries, epoch)
    else for (const entry of entries) await store.addDenylistEntry(entry)
    lostEpoch = undefined
    position = undefined
    history.restored() // own adds were written back with the rest
    emit({ type: 'denylist_repaired', entries: entries.length, durationMs: performance.now() - started })
    await load('epoch')
  }

  function onEntry(entry: DenylistEntry, at?: FeedPosition): void {
    if (closed) return
    mirror.remember(entry)
    if (at === undefined || !proven) return
    if (!history.delivered(entry, at) && syncing === undefined) {
      // Two different adds at one position: the history this mirror followed was discarded.
      diverged(at.epoch)
    }
    if (arrivedDuringLoad !== undefined) {
      arrivedDuringLoad.push({ ...at, id: entryId(entry) })
      return
    }
    if (position === undefined || syncing !== undefined) return
    if (at.epoch !== position.epoch) {
      lostEpoch = position.epoch
      requestSync('epoch').catch(() => {})
    } else if (at.seq === position.seq + 1) position.seq = at.seq
    else if (at.seq > position.seq + 1) requestSync('gap').catch(() => {})
    // at.seq <= position.seq: already in the mirror through a load.
  }

  function onHeartbeat(nonce: string, at: FeedPosition): void {
    const sent = pending.get(nonce)
    if (sent === undefined || closed) return // another instance's heartbeat
    const { sentAt, beat } = sent
    for (const [other, earlier] of pending) if (earlier.beat <= beat) pending.delete(other)
    if (position === undefined || syncing !== undefined || beat <= positionBeat) return
    if (at.epoch !== position.epoch || at.seq < position.seq) {
      lostEpoch = position.epoch
      requestSync('epoch').catch(() => {})
    } else if (at.seq > position.seq) {
      requestSync('gap').catch(() => {})
    } else if (history.missingBefore(beat)) {
      // Sent after an own add resolved, on the same path, and no feed message settled it: the
      // add is not in the history this heartbeat went through.
      diverged(at.epoch)
    } else {
      prove(sentAt)
    }
  }

  function tick(): void {
    if (closed) return
    const freed = mirror.sweep(now() / 1000)
    if (freed > 0) emit({ type: 'denylist_swept', entries: freed })
    noticeStaleness()
    if (!loaded) return // start() is retried by the denylist's checks
    if (!proven) {
      requestSync('poll').catch(() => {})
      return
    }
    if (feedDown || syncing !== undefined) return
    const nonce = randomUUID()
    pending.set(nonce, { sentAt: elapsed(), beat: ++beats })
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
            if (closed) return
            if (status === 'down') {
              feedDown = true
              pending.clear()
              return
            }
            const wasDown = feedDown
            feedDown = false
            if (wasDown && loaded) requestSync('reconnect').catch(() => {})
          },
        })
      }
      timer ??= setInterval(tick, proven ? options.heartbeatInterval : options.pollInterval)
      timer.unref()
      await requestSync('initial')
    },
    /** Loads the whole list now (a request on a stale mirror with `fallbackToStore`). */
    reload: () => requestSync('reconnect'),
    /** An add this instance made: into the mirror now, and checked against the store's history. */
    remember(entry: DenylistEntry, at?: FeedPosition): void {
      mirror.remember(entry)
      if (at !== undefined && proven && !closed && !history.acknowledged(entry, at, beats)) diverged(at.epoch)
    },
    async close(): Promise<void> {
      closed = true
      clearInterval(timer)
      await unsubscribe?.()
    },
  }
}
