import type { EventListener } from '../events.js'
import type { DenylistSnapshot, DenylistStore, FeedPosition } from '../store/store.js'
import type { HistoryCheck } from './history-check.js'
import type { MirrorEntries } from './mirror-entries.js'

/**
 * The resync and repair path of a denylist mirror: a full load (initial, after a reconnect, a gap
 * in the feed, or a poll), and the write-back of the mirror to a store that lost entries (another
 * epoch) before it is loaded again. One sync runs at a time; a reason that comes up meanwhile runs
 * once after it, a repair taking precedence. When to sync is decided by the heartbeat state machine
 * (denylist/mirror-sync.ts), which shares `SyncState` with this module.
 */

export type SyncReason = 'initial' | 'reconnect' | 'gap' | 'epoch' | 'poll'

/** What the heartbeat state machine and the resync path both read and write. */
export interface SyncState {
  /** The feed position the mirror holds; none before the first load and after a repair. */
  position: FeedPosition | undefined
  /** Heartbeats sent before the load that set `position` predate it: their echo proves nothing. */
  positionBeat: number
  /** Heartbeats sent so far (their send order). */
  beats: number
  loaded: boolean
  /** The epoch whose entries the store lost: set, the next sync is a repair. */
  lostEpoch: string | undefined
  /** Positions of entries that arrived while a load was in flight. */
  arrivedDuringLoad: Array<FeedPosition & { id: string }> | undefined
  closed: boolean
}

export interface ResyncOptions {
  store: DenylistStore
  mirror: MirrorEntries
  history: HistoryCheck
  state: SyncState
  /** Whether the store proves freshness (feed, heartbeats and snapshots) or is only polled. */
  proven: boolean
  now: () => number
  elapsed: () => number
  emit: EventListener
  /** The mirror is fresh as of this monotonic time (a load that succeeded). */
  prove(provenAt: number): void
}

export function createResync(options: ResyncOptions) {
  const { store, mirror, history, state, proven, now, elapsed, emit } = options
  let syncing: Promise<void> | undefined
  let followUp: SyncReason | undefined

  function request(reason: SyncReason): Promise<void> {
    if (syncing !== undefined) {
      if (followUp === undefined || reason === 'epoch') followUp = reason
      return syncing
    }
    const run = (state.lostEpoch !== undefined ? repairThenLoad() : load(reason)).finally(() => {
      syncing = undefined
      const next = followUp
      followUp = undefined
      if (next !== undefined && !state.closed) request(next).catch(() => {})
    })
    syncing = run
    return run
  }

  async function load(reason: SyncReason): Promise<void> {
    const sentAt = now()
    const provenAt = elapsed()
    const beatAtSend = state.beats
    const started = performance.now()
    state.arrivedDuringLoad = []
    let snapshot: DenylistSnapshot
    let arrived: Array<FeedPosition & { id: string }>
    try {
      snapshot = proven
        ? await store.snapshotDenylist!(sentAt / 1000)
        : { entries: await store.listDenylist(sentAt / 1000), seq: 0, epoch: '' }
    } finally {
      arrived = state.arrivedDuringLoad ?? []
      state.arrivedDuringLoad = undefined
    }
    const held = state.position
    if (proven && held !== undefined && history.lostFrom(snapshot, held, sentAt, arrived)) {
      // The store came back with other data (an empty restart), with less history than this
      // mirror saw, or without entries it acknowledged (a failover to a replica that missed the
      // last adds, writes a demoted master took): write the mirror back before trusting it.
      for (const entry of snapshot.entries) mirror.remember(entry)
      state.lostEpoch = held.epoch
      followUp = 'epoch'
      return
    }
    for (const entry of snapshot.entries) mirror.remember(entry)
    history.loaded(snapshot)
    const position = { seq: snapshot.seq, epoch: snapshot.epoch }
    state.position = position
    state.positionBeat = beatAtSend
    // Adds published after the snapshot may have overtaken its reply: count those in order.
    const later = new Set(arrived.filter((at) => at.epoch === snapshot.epoch).map((at) => at.seq))
    while (later.has(position.seq + 1)) position.seq++
    state.loaded = true
    if (reason !== 'poll') {
      emit({
        type: 'denylist_resynced',
        reason: reason === 'initial' ? 'reconnect' : reason,
        entries: snapshot.entries.length,
        durationMs: performance.now() - started,
      })
    }
    options.prove(provenAt)
  }

  /** Writes the mirror's live entries back to a store that lost them, then reloads. */
  async function repairThenLoad(): Promise<void> {
    const epoch = state.lostEpoch!
    const started = performance.now()
    const entries = mirror.liveEntries(now() / 1000)
    if (store.restoreDenylist !== undefined) await store.restoreDenylist(entries, epoch)
    else for (const entry of entries) await store.addDenylistEntry(entry)
    state.lostEpoch = undefined
    state.position = undefined
    history.restored() // own adds were written back with the rest
    emit({ type: 'denylist_repaired', entries: entries.length, durationMs: performance.now() - started })
    await load('epoch')
  }

  return {
    /** Starts a sync for this reason, or queues it behind the one running. Rejects when the sync fails. */
    request,
    /** The store's history lost what this mirror was told (seen at `epoch`): repair, then reload. */
    repair(epoch: string): void {
      state.lostEpoch = state.position?.epoch ?? epoch
      request('epoch').catch(() => {})
    },
    /** Whether a sync is running (the feed's positions then settle through its load). */
    busy: (): boolean => syncing !== undefined,
  }
}
