import { entryId, type DenylistEntry, type DenylistSnapshot, type FeedPosition } from '../store/store.js'
import type { MirrorEntries } from './mirror-entries.js'

/** Feed positions remembered (which entry came at which seq) to check adds against. */
const MAX_RECENT = 4096
/** Entries this close to expiring (seconds) are not counted as lost when a store no longer has them. */
const EXPIRY_MARGIN = 5

/** An add this instance made, at the position the store reported, until the feed or a load confirms it. */
interface OwnAdd extends FeedPosition {
  id: string
  /** How many heartbeats had been sent when the add resolved: a later one must find it. */
  beat: number
}

const key = (at: FeedPosition) => `${at.epoch}\n${at.seq}`

/**
 * Whether the store's history still holds what this mirror was told. Seq and epoch catch an empty
 * restart and a history that went backwards; they miss a demoted master's last writes, whose seq
 * numbers the new master then reuses for other adds. So this also checks data: two different adds
 * at one position, an own add that a later heartbeat's history lacks, a live mirror entry that a
 * later snapshot lacks. Entries only leave a store by expiring, so each of these is data it lost.
 */
export class HistoryCheck {
  private readonly recent = new Map<string, string>()
  private ownAdds: OwnAdd[] = []

  constructor(private readonly mirror: MirrorEntries) {}

  /** A feed entry at `at`: false when another add was already delivered at that position. */
  delivered(entry: DenylistEntry, at: FeedPosition): boolean {
    const id = entryId(entry)
    const earlier = this.recent.get(key(at))
    this.recent.set(key(at), id)
    if (this.recent.size > MAX_RECENT) this.recent.delete(this.recent.keys().next().value!)
    let consistent = earlier === undefined || earlier === id
    if (this.ownAdds.length > 0) {
      this.ownAdds = this.ownAdds.filter((add) => {
        const settled = this.recent.get(key(add))
        if (settled !== undefined && settled !== add.id) consistent = false
        return settled === undefined
      })
    }
    return consistent
  }

  /** An add this instance made, acknowledged at `at` after `beat` heartbeats: false if already contradicted. */
  acknowledged(entry: DenylistEntry, at: FeedPosition, beat: number): boolean {
    const add: OwnAdd = { id: entryId(entry), seq: at.seq, epoch: at.epoch, beat }
    const delivered = this.recent.get(key(add))
    if (delivered === undefined) this.ownAdds.push(add)
    return delivered === undefined || delivered === add.id
  }

  /**
   * A heartbeat sent as number `beat` came back at a position the mirror holds: an own add made
   * before it was sent, on the same path, that no feed message settled is not in that history.
   */
  missingBefore(beat: number): boolean {
    return this.ownAdds.some((add) => add.beat < beat)
  }

  /**
   * Whether `snapshot` (sent at `sentAt`) lost what the mirror holds. Entries that may postdate it
   * (`arrived` during the load, own adds past its seq) do not count.
   */
  lostFrom(
    snapshot: DenylistSnapshot,
    position: FeedPosition,
    sentAt: number,
    arrived: Array<{ id: string }>,
  ): boolean {
    if (snapshot.epoch !== position.epoch || snapshot.seq < position.seq) return true
    const present = new Set(snapshot.entries.map(entryId))
    for (const { id } of arrived) present.add(id)
    for (const add of this.ownAdds) {
      if (add.epoch === snapshot.epoch && add.seq > snapshot.seq) present.add(add.id)
    }
    // A margin for clocks: the store prunes by the clock of whoever wrote last.
    for (const entry of this.mirror.liveEntries(sentAt / 1000 + EXPIRY_MARGIN)) {
      if (!present.has(entryId(entry))) return true
    }
    return false
  }

  /** A snapshot was accepted: own adds it covers are settled. */
  loaded(snapshot: DenylistSnapshot): void {
    this.ownAdds = this.ownAdds.filter((add) => add.epoch === snapshot.epoch && add.seq > snapshot.seq)
  }

  /** The mirror wrote everything back: nothing is left to check. */
  restored(): void {
    this.ownAdds = []
  }
}
