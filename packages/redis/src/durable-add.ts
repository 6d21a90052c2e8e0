import type { Cluster, Redis } from 'ioredis'
import type { FeedPosition } from '@tokenguard/core'
import { RedisStoreReplicationError } from './errors.js'
import type { WithScripts } from './scripts.js'
import { withTimeout } from './timeouts.js'

/**
 * The durability of a denylist add on a replicated Redis (Sentinel, or a Cluster shard with
 * replicas): with `waitForReplicas`, the add script and `WAIT` go out in one pipeline, and the add
 * counts only once that many replicas acknowledged it. A failover can then promote a replica
 * without losing a revocation the caller was told about.
 */

/** The `{ seq, epoch }` an add script returned. */
export function feedPosition(reply: unknown): FeedPosition | undefined {
  if (!Array.isArray(reply)) return undefined
  const [seq, epoch] = reply as unknown[]
  return typeof seq === 'number' && typeof epoch === 'string' ? { seq, epoch } : undefined
}

export interface DurableAddOptions {
  waitForReplicas: number
  waitTimeoutMs: number
  commandTimeoutMs: number
}

/**
 * Runs the add script, then `WAIT`; rejects with `RedisStoreReplicationError` when fewer replicas
 * than asked acknowledged it within `waitTimeoutMs`.
 */
export async function addAndWait(
  redis: Redis | Cluster,
  args: Array<string | number>,
  options: DurableAddOptions,
): Promise<FeedPosition | undefined> {
  // The same connection (and, on a Cluster, the same node) runs the script, then WAIT: WAIT
  // counts the replicas that acknowledged every write this connection made before it.
  const pipeline = redis.pipeline() as unknown as WithScripts & {
    wait(replicas: number, timeout: number): unknown
    exec(): Promise<Array<[Error | null, unknown]> | null>
  }
  // Queued on the pipeline: its reply comes back from exec(), not from this call.
  void pipeline.tokenguardDenylistAdd(...args)
  pipeline.wait(options.waitForReplicas, options.waitTimeoutMs)
  const results = await withTimeout('WAIT', pipeline.exec(), options.commandTimeoutMs + options.waitTimeoutMs)
  const [added, waited] = results ?? []
  if (added?.[0]) throw added[0]
  if (waited?.[0]) throw waited[0]
  const acknowledged = Number(waited?.[1] ?? 0)
  if (acknowledged < options.waitForReplicas) {
    throw new RedisStoreReplicationError(acknowledged, options.waitForReplicas)
  }
  return feedPosition(added?.[1])
}
