import type { Cluster, Redis } from 'ioredis'
import { RedisStoreTimeoutError } from './errors.js'

/**
 * Bounded waits on ioredis: one command, and a connection becoming ready. Every call the store and
 * its feed make goes through one of these, so a dead or hung Redis costs at most `commandTimeout`.
 */

/** Rejects with `RedisStoreTimeoutError` after `timeoutMs` (0: never). The timer never holds the process. */
export function withTimeout<T>(command: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  if (timeoutMs === 0) return promise
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisStoreTimeoutError(command, timeoutMs)), timeoutMs)
    timer.unref()
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Resolves when the connection is ready, within `timeoutMs`; connects a lazy one. */
export async function waitReady(connection: Redis | Cluster, timeoutMs: number): Promise<void> {
  if (connection.status === 'ready') return
  if (connection.status === 'end') throw new Error('the subscriber connection has ended')
  let onReady: (() => void) | undefined
  const ready = new Promise<void>((resolve) => {
    onReady = resolve
    connection.once('ready', resolve)
  })
  if (connection.status === 'wait') connection.connect().catch(() => {})
  try {
    await withTimeout('connect', ready, timeoutMs)
  } finally {
    if (onReady) connection.off('ready', onReady)
  }
}
