import { randomUUID } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'
import {
  entryId,
  type DenylistEntry,
  type DenylistFeedHandlers,
  type DenylistSnapshot,
  type FeedPosition,
  type Store,
} from '@tokenguard/core'
import { addAndWait, feedPosition } from './durable-add.js'
import { FeedConnection } from './feed-connection.js'
import { normalizeEntry, parseEntry, parseFeedMessage } from './feed-message.js'
import { defineScripts, type ScriptName, type WithScripts } from './scripts.js'
import { resolveStoreOptions, type RedisStoreOptions } from './store-options.js'
import { withTimeout } from './timeouts.js'

export type { RedisStoreOptions } from './store-options.js'
export { RedisStoreReplicationError, RedisStoreTimeoutError } from './errors.js'

/** Most expired entries one call removes: the rest go on later calls (listing filters by score anyway). */
const PRUNE_BATCH = 1000
/** Entries per restore call and per HSCAN page: bounded work per command, Redis stays responsive. */
const BATCH = 500

/**
 * A `Store` on Redis for a fleet of API instances: the shared introspection cache, the DPoP replay
 * guard, the denylist and its change feed (pub/sub; sharded pub/sub on a Cluster).
 *
 * Keys (with the default prefix `tokenguard:`), the denylist ones in one Cluster slot:
 * - `tokenguard:cache:<key>`: a cached value or a replay-guard key (string, PX ttl)
 * - `tokenguard:{denylist}`: sorted set, member = entry id (`kind:key`), score = expiresAt (seconds)
 * - `tokenguard:{denylist}:entries`: hash, entry id -> entry JSON
 * - `tokenguard:{denylist}:seq`, `tokenguard:{denylist}:epoch`: the feed position
 * - channel `tokenguard:denylist:feed` (Cluster: sharded `tokenguard:{denylist}:feed`)
 *
 * This file maps the `Store` methods onto commands and scripts. Its parts: options
 * (redis/store-options.ts), the WAIT durability of adds (redis/durable-add.ts), the subscriber
 * connection (redis/feed-connection.ts), the Lua scripts (redis/scripts.ts), feed messages
 * (redis/feed-message.ts).
 */
export class RedisStore implements Store {
  private readonly prefix: string
  private readonly commandTimeout: number
  private readonly waitForReplicas: number
  private readonly waitTimeout: number
  private readonly keys: [string, string, string, string]
  private readonly channel: string
  private readonly publish: 'PUBLISH' | 'SPUBLISH'
  private readonly scripts: Redis & WithScripts
  private readonly handlers = new Set<DenylistFeedHandlers>()
  private readonly feed: FeedConnection
  private closing: Promise<void> | undefined

  constructor(
    private readonly redis: Redis | Cluster,
    options: RedisStoreOptions = {},
  ) {
    const resolved = resolveStoreOptions(options)
    this.prefix = resolved.prefix
    this.commandTimeout = resolved.commandTimeoutMs
    this.waitForReplicas = resolved.waitForReplicas
    this.waitTimeout = resolved.waitTimeoutMs
    const base = `${this.prefix}{denylist}`
    this.keys = [base, `${base}:entries`, `${base}:seq`, `${base}:epoch`]
    const sharded = redis.isCluster === true
    // A Cluster broadcasts classic PUBLISH to every node and loses it on node failure; the
    // sharded channel lives with the keys' slot and moves with it.
    this.channel = sharded ? `${base}:feed` : `${this.prefix}denylist:feed`
    this.publish = sharded ? 'SPUBLISH' : 'PUBLISH'
    this.scripts = defineScripts(redis)
    this.feed = new FeedConnection({
      redis,
      subscriber: resolved.subscriber,
      channel: this.channel,
      sharded,
      commandTimeout: this.commandTimeout,
      onMessage: (text) => this.deliver(text),
      onState: (state) => this.broadcast((handlers) => handlers.onStatus(state)),
    })
  }

  // ---------------------------------------------------------------- cache tier

  async get(key: string): Promise<string | undefined> {
    const value = await this.timed('GET', this.redis.get(this.cacheKey(key)))
    return value ?? undefined
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (!(ttlMs > 0)) return
    if (!Number.isFinite(ttlMs)) throw new RangeError('ttlMs must be finite')
    await this.timed('SET', this.redis.set(this.cacheKey(key), value, 'PX', Math.max(1, Math.ceil(ttlMs))))
  }

  async delete(key: string): Promise<void> {
    await this.timed('DEL', this.redis.del(this.cacheKey(key)))
  }

  // ---------------------------------------------------------------- replay guard

  async addIfAbsent(key: string, ttlMs: number): Promise<boolean> {
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs))
      throw new RangeError('ttlMs must be a positive finite number')
    const ttl = Math.max(1, Math.ceil(ttlMs))
    // SET NX is atomic: exactly one instance of the fleet wins the key.
    return (await this.timed('SET', this.redis.set(this.cacheKey(key), '1', 'PX', ttl, 'NX'))) === 'OK'
  }

  // ---------------------------------------------------------------- denylist

  async addDenylistEntry(entry: DenylistEntry): Promise<FeedPosition | undefined> {
    const clean = normalizeEntry(entry)
    if (!clean) throw new TypeError('addDenylistEntry: not a valid DenylistEntry')
    const args = [
      ...this.keys,
      String(Date.now() / 1000),
      PRUNE_BATCH,
      entryId(clean),
      JSON.stringify(clean),
      this.channel,
      this.publish,
      randomUUID(),
    ]
    if (this.waitForReplicas === 0) {
      return feedPosition(await this.timed('EVALSHA', this.scripts.tokenguardDenylistAdd(...args)))
    }
    return addAndWait(this.redis, args, {
      waitForReplicas: this.waitForReplicas,
      waitTimeoutMs: this.waitTimeout,
      commandTimeoutMs: this.commandTimeout,
    })
  }

  async listDenylist(nowSeconds: number): Promise<DenylistEntry[]> {
    const values = await this.script('tokenguardDenylistList', String(nowSeconds), PRUNE_BATCH)
    if (!Array.isArray(values)) return []
    const entries: DenylistEntry[] = []
    for (const value of values) {
      const entry = typeof value === 'string' ? parseEntry(value) : undefined
      if (entry) entries.push(entry)
    }
    return entries
  }

  /**
   * The position first, then the entries by HSCAN pages: entries are only added (or expire), so
   * every entry counted in that position is in the scan, and a long list never blocks Redis.
   */
  async snapshotDenylist(nowSeconds: number): Promise<DenylistSnapshot> {
    const head = await this.script('tokenguardDenylistHead', String(nowSeconds), PRUNE_BATCH, randomUUID())
    const [epoch, seq] = head as [string, number]
    const byId = new Map<string, DenylistEntry>()
    let cursor = '0'
    do {
      const [next, fields] = await this.timed('HSCAN', this.redis.hscan(this.keys[1], cursor, 'COUNT', BATCH))
      cursor = next
      for (let i = 1; i < fields.length; i += 2) {
        const entry = parseEntry(fields[i]!)
        if (entry && entry.expiresAt > nowSeconds) byId.set(entryId(entry), entry)
      }
    } while (cursor !== '0')
    return { epoch: String(epoch), seq: Number(seq), entries: [...byId.values()] }
  }

  async heartbeat(nonce: string): Promise<void> {
    // Awaited before it is sent: the echo can overtake the script's reply.
    this.feed.published(nonce, Date.now())
    await this.script('tokenguardDenylistHeartbeat', nonce, this.channel, this.publish, randomUUID())
    this.feed.checkEchoes(Date.now(), Math.max(1000, this.commandTimeout))
  }

  async restoreDenylist(entries: DenylistEntry[], lostEpoch: string): Promise<void> {
    const candidate = randomUUID()
    const now = String(Date.now() / 1000)
    // An empty restore still takes the new epoch and advances seq: the other mirrors must notice.
    for (let i = 0; i === 0 || i < entries.length; i += BATCH) {
      const pairs: string[] = []
      for (const entry of entries.slice(i, i + BATCH)) {
        const clean = normalizeEntry(entry)
        if (clean) pairs.push(entryId(clean), JSON.stringify(clean))
      }
      await this.script('tokenguardDenylistRestore', now, lostEpoch, candidate, ...pairs)
    }
  }

  // ---------------------------------------------------------------- change feed

  async subscribe(handlers: DenylistFeedHandlers): Promise<() => Promise<void>> {
    if (this.closing) throw new Error('RedisStore is closed')
    await this.feed.open()
    if (this.closing) throw new Error('RedisStore is closed')
    this.handlers.add(handlers)
    handlers.onStatus(this.feed.isUp ? 'up' : 'down')
    // The channel stays subscribed until close(): dropping it here could race a concurrent subscribe().
    return async () => {
      this.handlers.delete(handlers)
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.handlers.clear()
      await this.feed.close()
    })()
    return this.closing
  }

  // ---------------------------------------------------------------- internals

  private cacheKey(key: string): string {
    return `${this.prefix}cache:${key}`
  }

  private timed<T>(command: string, promise: Promise<T>, timeoutMs = this.commandTimeout): Promise<T> {
    return withTimeout(command, promise, timeoutMs)
  }

  private script(name: ScriptName, ...args: Array<string | number>): Promise<unknown> {
    return this.timed(name, this.scripts[name](...this.keys, ...args))
  }

  private deliver(text: string): void {
    if (this.closing) return
    const message = parseFeedMessage(text)
    if (message === undefined) return
    if (message.type === 'heartbeat') {
      this.feed.heard(message.nonce)
      this.broadcast((handlers) => handlers.onHeartbeat?.(message.nonce, { ...message.position }))
    } else {
      const { entry, position } = message
      this.broadcast((handlers) => handlers.onEntry({ ...entry }, position && { ...position }))
    }
  }

  private broadcast(deliver: (handlers: DenylistFeedHandlers) => void): void {
    for (const handlers of [...this.handlers]) {
      try {
        deliver(handlers)
      } catch {
        // A throwing handler must not break the connection's event loop or the other handlers.
      }
    }
  }
}
