import type { DenylistEntry, DenylistFeedHandlers, FeedPosition, StoreStatus } from '@tokenguard/core'

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
