import type { Cluster, Redis } from 'ioredis'
import { HeartbeatEchoes } from './heartbeat-echoes.js'
import { waitReady, withTimeout } from './timeouts.js'

export type FeedState = 'idle' | 'up' | 'down'

export interface FeedConnectionOptions {
  /** The store's command client: the subscriber is derived from it unless one is given. */
  redis: Redis | Cluster
  subscriber: Redis | Cluster | undefined
  channel: string
  /** Sharded pub/sub (`SSUBSCRIBE`, Redis 7): the feed lives on the shard that holds the denylist keys. */
  sharded: boolean
  commandTimeout: number
  onMessage(text: string): void
  onState(state: 'up' | 'down'): void
}

/**
 * The subscriber connection of the change feed. `up` is reported only once the channel's
 * (S)SUBSCRIBE is confirmed on a ready connection, `down` as soon as it closes or reconnects.
 * A subscription can also go quiet without any event (a Cluster moving it, a link that drops
 * bytes): when this store's own heartbeats were published but none came back within the echo
 * timeout, the connection is recycled, which goes through `down` and `up` like any drop.
 *
 * This file owns the connection's life (attach, subscribe, recycle, close); the echo bookkeeping
 * is redis/heartbeat-echoes.ts, the bounded waits redis/timeouts.ts.
 */
export class FeedConnection {
  private subscriber: Redis | Cluster | undefined
  private readonly owns: boolean
  private state: FeedState = 'idle'
  /** Bumped whenever the connection drops: a SUBSCRIBE confirmed across a drop does not count. */
  private generation = 0
  private subscribing: Promise<void> | undefined
  private detach: (() => void) | undefined
  private closed = false
  private readonly echoes = new HeartbeatEchoes()
  private lastRecycle = 0
  private retry: NodeJS.Timeout | undefined
  private notReadySince = 0

  constructor(private readonly options: FeedConnectionOptions) {
    this.subscriber = options.subscriber
    this.owns = options.subscriber === undefined
  }

  get isUp(): boolean {
    return this.state === 'up'
  }

  /** Connects (once) and resolves when the channel is subscribed, within commandTimeout. */
  async open(): Promise<void> {
    this.attach()
    this.retry ??= setInterval(() => this.resubscribeIfDown(), Math.max(250, this.options.commandTimeout))
    this.retry.unref()
    await this.ensureSubscribed()
  }

  /**
   * A subscription that failed while the client was still settling (a Cluster mid-failover answers
   * `SSUBSCRIBE` with "no subscriber for slot" and emits no second `ready`) is retried here.
   */
  private resubscribeIfDown(): void {
    const subscriber = this.subscriber
    if (this.state !== 'down' || this.closed || subscriber === undefined || this.subscribing) {
      this.notReadySince = 0
      return
    }
    if (subscriber.status === 'ready') {
      this.notReadySince = 0
      this.ensureSubscribed().catch(() => this.recycle())
      return
    }
    // ioredis is reconnecting and 'ready' will follow, unless the client is stuck: a Cluster can
    // stay in 'close' with no reconnect scheduled (a second close while none was in flight).
    const now = Date.now()
    this.notReadySince ||= now
    const stuck = subscriber.status === 'close' || subscriber.status === 'end'
    if (stuck || now - this.notReadySince > 3 * Math.max(1000, this.options.commandTimeout)) this.recycle()
  }

  /**
   * A fresh subscription: an own subscriber is replaced by a new connection (a stuck client cannot
   * be trusted to reconnect); one you passed is reconnected, and only while it is ready.
   */
  private recycle(): void {
    const subscriber = this.subscriber
    if (this.closed || subscriber === undefined) return
    this.drop()
    this.notReadySince = 0
    if (!this.owns) {
      if (subscriber.status === 'ready') subscriber.disconnect(true)
      return
    }
    this.detach?.()
    this.detach = undefined
    this.subscriber = undefined
    subscriber.disconnect()
    this.ensureSubscribed().catch(() => {}) // the timer retries
  }

  /** A heartbeat of this store was published: it must come back on this connection. */
  published(nonce: string, at: number): void {
    this.echoes.published(nonce, at)
  }

  /** A heartbeat came back: it and every one published before it are accounted for. */
  heard(nonce: string): void {
    this.echoes.heard(nonce)
  }

  /** Recycles a subscription that stopped delivering (see the class comment). */
  checkEchoes(now: number, echoTimeout: number): void {
    if (this.state !== 'up' || this.closed || now - this.lastRecycle < 2 * echoTimeout) return
    if (!this.echoes.overdue(now, echoTimeout)) return
    this.lastRecycle = now
    this.echoes.clear()
    this.recycle()
  }

  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.retry)
    this.state = 'idle'
    this.detach?.()
    this.detach = undefined
    const subscriber = this.subscriber
    if (!subscriber) return
    if (this.owns) {
      this.subscriber = undefined
      if (subscriber.status === 'ready') {
        await this.timed('QUIT', subscriber.quit()).catch(() => {})
      }
      // Also after QUIT: it closes the data connection only, and a Sentinel client's failover
      // detector keeps its own connections to the sentinels until the connector is disconnected.
      subscriber.disconnect()
    } else if (subscriber.status === 'ready') {
      const { channel } = this.options
      const leave = this.options.sharded ? subscriber.sunsubscribe(channel) : subscriber.unsubscribe(channel)
      await this.timed('UNSUBSCRIBE', leave).catch(() => {})
    }
  }

  private setState(state: 'up' | 'down'): void {
    if (this.state === state || this.closed) return
    this.state = state
    this.options.onState(state)
  }

  private drop(): void {
    this.generation++
    if (this.state === 'up') this.setState('down')
  }

  /** Creates (or adopts) the subscriber connection and listens to it; once. */
  private attach(): Redis | Cluster {
    const { redis, sharded } = this.options
    if (!this.subscriber) {
      this.subscriber = redis.isCluster
        ? // Sharded subscribers follow the slot's master through failovers and resharding.
          (redis as Cluster).duplicate([], { shardedSubscribers: sharded })
        : // No offline queue: SUBSCRIBE is only sent on a ready connection (see waitReady), so
          // nothing piles up while Redis is away.
          (redis as Redis).duplicate({ enableOfflineQueue: false, autoResubscribe: true })
    }
    const subscriber = this.subscriber
    if (this.detach) return subscriber
    const event = sharded ? 'smessage' : 'message'
    const onMessage = (channel: string, message: string) => {
      if (channel === this.options.channel && !this.closed) this.options.onMessage(message)
    }
    const onDrop = () => this.drop()
    const onReady = () => {
      if (this.state !== 'down' || this.closed) return
      // Connected but SUBSCRIBE did not go through: a fresh connection tries again.
      this.ensureSubscribed().catch(() => {
        if (this.state === 'down' && !this.closed && this.subscriber === subscriber) this.recycle()
      })
    }
    const onError = () => {
      // 'close' and 'reconnecting' follow; listening here keeps ioredis from logging unhandled errors.
    }
    const listeners: Array<[string, (...args: never[]) => void]> = [
      [event, onMessage],
      ['close', onDrop],
      ['end', onDrop],
      ['reconnecting', onDrop],
      ['ready', onReady],
    ]
    if (this.owns) listeners.push(['error', onError])
    for (const [name, listener] of listeners) subscriber.on(name, listener as never)
    this.detach = () => {
      for (const [name, listener] of listeners) subscriber.off(name, listener as never)
    }
    return subscriber
  }

  /** Subscribes the feed channel on a ready connection; one attempt in flight at a time. */
  private ensureSubscribed(): Promise<void> {
    if (this.state === 'up') return Promise.resolve()
    this.subscribing ??= (async () => {
      try {
        const subscriber = this.attach()
        await waitReady(subscriber, this.options.commandTimeout)
        const generation = this.generation
        const { channel, sharded } = this.options
        await this.timed(
          'SUBSCRIBE',
          sharded ? subscriber.ssubscribe(channel) : subscriber.subscribe(channel),
        )
        if (this.closed) return
        if (generation !== this.generation)
          throw new Error('the subscriber connection dropped while subscribing')
        this.setState('up')
      } finally {
        this.subscribing = undefined
      }
    })()
    return this.subscribing
  }

  timed<T>(command: string, promise: Promise<T>, timeoutMs = this.options.commandTimeout): Promise<T> {
    return withTimeout(command, promise, timeoutMs)
  }
}
