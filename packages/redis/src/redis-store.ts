import { createHash } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'
import { entryId, type DenylistEntry, type DenylistFeedHandlers, type Store } from '@tokenguard/core'

export interface RedisStoreOptions {
  /** Prepended to every key and to the feed channel. Default `'tokenguard:'`. */
  prefix?: string
  /**
   * The connection the change feed listens on (a connection in subscriber mode can run nothing else).
   * Default: `redis.duplicate()`, created on the first `subscribe()` and closed by `close()`.
   * One you pass is yours: `close()` unsubscribes it but leaves it open.
   */
  subscriber?: Redis | Cluster
  /**
   * Upper bound (ms) on every command this store sends, so a dead or hung Redis costs at most this
   * much per call: the call rejects with `RedisStoreTimeoutError`. Default 1000; 0 turns it off
   * (then only the client's own `commandTimeout` option, if set, bounds a call).
   */
  commandTimeout?: number
}

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

interface LuaScript {
  source: string
  sha: string
}

const lua = (source: string): LuaScript => ({ source, sha: createHash('sha1').update(source).digest('hex') })

/** Most expired entries one call removes: the rest go on later calls (listing filters by score anyway). */
const PRUNE_BATCH = 1000

// KEYS[1] the index (sorted set: entry id scored by expiresAt), KEYS[2] the entries (hash: id -> JSON).
// Removes up to ARGV[2] entries that expired at ARGV[1] from both structures.
const PRUNE = `
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #expired > 0 then
  redis.call('ZREM', KEYS[1], unpack(expired))
  redis.call('HDEL', KEYS[2], unpack(expired))
end
`

// ARGV: now, prune batch, id, expiresAt, entry JSON, feed channel.
// Prunes, merges the entry with one already recorded under its id (the later cut-off and expiry
// win, so a replayed or reordered revocation can never loosen a newer one), records it unless it
// has already expired (both keys then expire on their own with the last entry), and publishes the
// merged entry, all in one atomic step.
const ADD = lua(`${PRUNE}
local json = ARGV[5]
local expiresAt = tonumber(ARGV[4])
local previous = redis.call('HGET', KEYS[2], ARGV[3])
if previous then
  local old = cjson.decode(previous)
  local new = cjson.decode(json)
  if old.expiresAt and old.expiresAt > new.expiresAt then new.expiresAt = old.expiresAt end
  if old.issuedBefore and (not new.issuedBefore or old.issuedBefore > new.issuedBefore) then
    new.issuedBefore = old.issuedBefore
  end
  expiresAt = new.expiresAt
  json = cjson.encode(new)
end
if expiresAt > tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], expiresAt, ARGV[3])
  redis.call('HSET', KEYS[2], ARGV[3], json)
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  local at = math.floor(tonumber(last[2])) + 1
  redis.call('EXPIREAT', KEYS[1], at)
  redis.call('EXPIREAT', KEYS[2], at)
end
redis.call('PUBLISH', ARGV[6], json)
return 1
`)

// ARGV: now, prune batch. Prunes, then returns the JSON of every entry scored above now.
const LIST = lua(`${PRUNE}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')
local out = {}
for i = 1, #ids, 1000 do
  local chunk = {}
  for j = i, math.min(i + 999, #ids) do chunk[#chunk + 1] = ids[j] end
  local values = redis.call('HMGET', KEYS[2], unpack(chunk))
  for _, value in ipairs(values) do
    if value then out[#out + 1] = value end
  end
end
return out
`)

const KINDS = new Set<DenylistEntry['kind']>(['jti', 'fingerprint', 'subject'])

function normalize(value: unknown): DenylistEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { kind, key, issuedBefore, expiresAt } = value as Record<string, unknown>
  if (typeof kind !== 'string' || !KINDS.has(kind as DenylistEntry['kind'])) return undefined
  if (typeof key !== 'string') return undefined
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return undefined
  if (issuedBefore !== undefined && (typeof issuedBefore !== 'number' || !Number.isFinite(issuedBefore))) {
    return undefined
  }
  const entry: DenylistEntry = { kind: kind as DenylistEntry['kind'], key, expiresAt }
  if (issuedBefore !== undefined) entry.issuedBefore = issuedBefore
  return entry
}

function parseEntry(text: string): DenylistEntry | undefined {
  try {
    return normalize(JSON.parse(text))
  } catch {
    return undefined
  }
}

type FeedState = 'idle' | 'up' | 'down'

/**
 * A `Store` on Redis for a fleet of API instances: the shared introspection cache, the denylist
 * and its change feed (pub/sub).
 *
 * Keys (with the default prefix `tokenguard:`):
 * - `tokenguard:cache:<key>`: a cached value (string, PX ttl)
 * - `tokenguard:{denylist}`: sorted set, member = entry id (`kind:key`), score = expiresAt (seconds)
 * - `tokenguard:{denylist}:entries`: hash, entry id -> entry JSON
 * - channel `tokenguard:denylist:feed`: entry JSON, one message per add
 * The `{denylist}` hash tag keeps both denylist keys in one Cluster slot so they change atomically.
 */
export class RedisStore implements Store {
  private readonly prefix: string
  private readonly commandTimeout: number
  private readonly indexKey: string
  private readonly entriesKey: string
  private readonly channel: string
  private readonly handlers = new Set<DenylistFeedHandlers>()
  private readonly ownsSubscriber: boolean
  private subscriber: Redis | Cluster | undefined
  private state: FeedState = 'idle'
  /** Bumped whenever the subscriber connection drops: a SUBSCRIBE confirmed across a drop does not count. */
  private epoch = 0
  private subscribing: Promise<void> | undefined
  private closing: Promise<void> | undefined
  private detach: (() => void) | undefined

  constructor(
    private readonly redis: Redis | Cluster,
    options: RedisStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'tokenguard:'
    const timeout = options.commandTimeout ?? 1000
    if (!(timeout >= 0) || !Number.isFinite(timeout)) {
      throw new RangeError('commandTimeout must be a finite number of milliseconds >= 0')
    }
    this.commandTimeout = timeout
    this.indexKey = `${this.prefix}{denylist}`
    this.entriesKey = `${this.prefix}{denylist}:entries`
    this.channel = `${this.prefix}denylist:feed`
    this.subscriber = options.subscriber
    this.ownsSubscriber = options.subscriber === undefined
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

  async addIfAbsent(key: string, ttlMs: number): Promise<boolean> {
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs))
      throw new RangeError('ttlMs must be a positive finite number')
    const ttl = Math.max(1, Math.ceil(ttlMs))
    // SET NX is atomic: exactly one instance of the fleet wins the key.
    return (await this.timed('SET', this.redis.set(this.cacheKey(key), '1', 'PX', ttl, 'NX'))) === 'OK'
  }

  async delete(key: string): Promise<void> {
    await this.timed('DEL', this.redis.del(this.cacheKey(key)))
  }

  // ---------------------------------------------------------------- denylist

  async addDenylistEntry(entry: DenylistEntry): Promise<void> {
    const clean = normalize(entry)
    if (!clean) throw new TypeError('addDenylistEntry: not a valid DenylistEntry')
    await this.script('ADD', ADD, [
      String(Date.now() / 1000),
      PRUNE_BATCH,
      entryId(clean),
      String(clean.expiresAt),
      JSON.stringify(clean),
      this.channel,
    ])
  }

  async listDenylist(nowSeconds: number): Promise<DenylistEntry[]> {
    const values = (await this.script('LIST', LIST, [String(nowSeconds), PRUNE_BATCH])) as unknown
    if (!Array.isArray(values)) return []
    const entries: DenylistEntry[] = []
    for (const value of values) {
      const entry = typeof value === 'string' ? parseEntry(value) : undefined
      if (entry) entries.push(entry)
    }
    return entries
  }

  // ---------------------------------------------------------------- change feed

  async subscribe(handlers: DenylistFeedHandlers): Promise<() => Promise<void>> {
    if (this.closing) throw new Error('RedisStore is closed')
    this.attachSubscriber()
    await this.ensureSubscribed()
    if (this.closing) throw new Error('RedisStore is closed')
    this.handlers.add(handlers)
    handlers.onStatus(this.state === 'up' ? 'up' : 'down')
    // The channel stays subscribed until close(): dropping it here could race a concurrent subscribe().
    return async () => {
      this.handlers.delete(handlers)
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  // ---------------------------------------------------------------- internals

  private cacheKey(key: string): string {
    return `${this.prefix}cache:${key}`
  }

  private timed<T>(command: string, promise: Promise<T>): Promise<T> {
    if (this.commandTimeout === 0) return promise
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RedisStoreTimeoutError(command, this.commandTimeout)),
        this.commandTimeout,
      )
      timer.unref()
    })
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
  }

  /** EVALSHA, falling back to EVAL once when the server does not have the script cached. */
  private script(name: string, script: LuaScript, args: Array<string | number>): Promise<unknown> {
    const keys = [this.indexKey, this.entriesKey]
    const run = async () => {
      try {
        return await this.redis.evalsha(script.sha, keys.length, ...keys, ...args)
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
        return await this.redis.eval(script.source, keys.length, ...keys, ...args)
      }
    }
    return this.timed(name, run())
  }

  private setState(state: FeedState): void {
    if (this.state === state) return
    this.state = state
    if (state === 'idle') return
    for (const handlers of [...this.handlers]) {
      try {
        handlers.onStatus(state)
      } catch {
        // A throwing handler must not break the connection's event loop or the other handlers.
      }
    }
  }

  /** Creates (or adopts) the subscriber connection and listens to it; once. */
  private attachSubscriber(): Redis | Cluster {
    if (!this.subscriber) {
      const redis = this.redis
      this.subscriber = redis.isCluster
        ? (redis as Cluster).duplicate()
        : // No offline queue: SUBSCRIBE is only sent on a ready connection (see waitReady), so
          // nothing piles up while Redis is away.
          (redis as Redis).duplicate({ enableOfflineQueue: false, autoResubscribe: true })
    }
    const subscriber = this.subscriber
    if (this.detach) return subscriber

    const onMessage = (channel: string, message: string) => {
      if (channel !== this.channel || this.closing) return
      const entry = parseEntry(message)
      if (!entry) return
      for (const handlers of [...this.handlers]) {
        try {
          handlers.onEntry({ ...entry })
        } catch {
          // See setState.
        }
      }
    }
    const onDrop = () => {
      this.epoch++
      if (this.state === 'up') this.setState('down')
    }
    const onReady = () => {
      if (this.state !== 'down' || this.closing) return
      this.ensureSubscribed().catch(() => {
        // Connected but SUBSCRIBE did not go through: force a fresh connection to try again.
        if (this.state === 'down' && !this.closing && subscriber.status === 'ready')
          subscriber.disconnect(true)
      })
    }
    const onError = () => {
      // 'close' and 'reconnecting' follow; listening here keeps ioredis from logging unhandled errors.
    }
    subscriber.on('message', onMessage)
    subscriber.on('close', onDrop)
    subscriber.on('end', onDrop)
    subscriber.on('reconnecting', onDrop)
    subscriber.on('ready', onReady)
    if (this.ownsSubscriber) subscriber.on('error', onError)
    this.detach = () => {
      subscriber.off('message', onMessage)
      subscriber.off('close', onDrop)
      subscriber.off('end', onDrop)
      subscriber.off('reconnecting', onDrop)
      subscriber.off('ready', onReady)
      if (this.ownsSubscriber) subscriber.off('error', onError)
    }
    return subscriber
  }

  /** Subscribes the feed channel on a ready connection; one attempt in flight at a time. */
  private ensureSubscribed(): Promise<void> {
    if (this.state === 'up') return Promise.resolve()
    this.subscribing ??= (async () => {
      try {
        const subscriber = this.attachSubscriber()
        await this.waitReady(subscriber)
        const epoch = this.epoch
        await this.timed('SUBSCRIBE', subscriber.subscribe(this.channel))
        if (this.closing) return
        if (epoch !== this.epoch) throw new Error('the subscriber connection dropped while subscribing')
        this.setState('up')
      } finally {
        this.subscribing = undefined
      }
    })()
    return this.subscribing
  }

  /** Resolves when the subscriber connection is ready, within commandTimeout. */
  private async waitReady(subscriber: Redis | Cluster): Promise<void> {
    if (subscriber.status === 'ready') return
    if (subscriber.status === 'end') throw new Error('the subscriber connection has ended')
    let onReady: (() => void) | undefined
    const ready = new Promise<void>((resolve) => {
      onReady = resolve
      subscriber.once('ready', resolve)
    })
    if (subscriber.status === 'wait') subscriber.connect().catch(() => {})
    try {
      await this.timed('connect', ready)
    } finally {
      if (onReady) subscriber.off('ready', onReady)
    }
  }

  private async shutdown(): Promise<void> {
    this.handlers.clear()
    this.state = 'idle'
    this.detach?.()
    this.detach = undefined
    const subscriber = this.subscriber
    if (!subscriber) return
    if (this.ownsSubscriber) {
      this.subscriber = undefined
      if (subscriber.status === 'ready') {
        try {
          await this.timed('QUIT', subscriber.quit())
          return
        } catch {
          // fall through: drop the connection
        }
      }
      subscriber.disconnect()
    } else if (subscriber.status === 'ready') {
      await this.timed('UNSUBSCRIBE', subscriber.unsubscribe(this.channel)).catch(() => {})
    }
  }
}
