import type { RedisOptions } from 'ioredis'

/**
 * The ioredis options we recommend for a Sentinel deployment, so a failover is noticed in about
 * a second instead of when the old master's connection finally breaks:
 * - `role: 'master'` with the ready check: a connection lands only on a node that says it is master.
 * - `failoverDetector`: ioredis subscribes to `+switch-master` on the sentinels and reconnects as
 *   soon as they announce a new master.
 * - `reconnectOnError` on `READONLY`: a write that reached a demoted master (now a replica) makes
 *   the client reconnect (through the sentinels, to the new master) and resend it; READONLY means
 *   the write was not applied, so resending cannot apply it twice.
 * - `maxRetriesPerRequest: 1`: calls fail fast while Redis is away instead of queueing.
 *
 *   new Redis({ sentinels, name: 'mymaster', ...sentinelOptions() })
 */
export function sentinelOptions(): Pick<
  RedisOptions,
  'role' | 'failoverDetector' | 'enableReadyCheck' | 'reconnectOnError' | 'maxRetriesPerRequest'
> {
  return {
    role: 'master',
    failoverDetector: true,
    enableReadyCheck: true,
    maxRetriesPerRequest: 1,
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  }
}
