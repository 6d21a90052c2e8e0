/** A command did not answer within `commandTimeout`. */
export class RedisStoreTimeoutError extends Error {
  override readonly name = 'RedisStoreTimeoutError'
  readonly code = 'ETIMEDOUT'
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`Redis ${command} did not answer within ${timeoutMs} ms`)
  }
}

/**
 * With `waitForReplicas`: fewer replicas than asked acknowledged the entry within `waitTimeout`.
 * The entry is on the master (and may still replicate), but `revoke()` does not claim it is durable.
 */
export class RedisStoreReplicationError extends Error {
  override readonly name = 'RedisStoreReplicationError'
  readonly code = 'ENOREPLICAS'
  constructor(
    readonly acknowledged: number,
    readonly required: number,
  ) {
    super(`${acknowledged} of ${required} required replicas acknowledged the denylist entry`)
  }
}
