/**
 * A real Sentinel deployment for tests: one master, `replicas` replicas and `sentinels`
 * redis-sentinel processes (quorum 2) on free 127.0.0.1 ports, with a short
 * `down-after-milliseconds` and `failover-timeout` so a failover completes in about 1–3 s.
 */
import { startRedisProcess, type Persistence, type RedisProcess } from './redis-process'

export interface RedisSentinelOptions {
  replicas?: number
  sentinels?: number
  quorum?: number
  /** ms; default 1000. */
  downAfterMs?: number
  /** ms; default 3000. */
  failoverTimeoutMs?: number
  persistence?: Persistence
  /** The master's name. Default 'mymaster'. */
  name?: string
}

export interface RedisSentinel {
  name: string
  /** Every data node, the first master at index 0 (roles change with failovers: ask `master()`). */
  servers: RedisProcess[]
  sentinelNodes: RedisProcess[]
  /** `{ host, port }` of every sentinel, for `new Redis({ sentinels, name })`. */
  sentinels: Array<{ host: string; port: number }>
  /** The data node the sentinels name as master now (asks the first live sentinel). */
  master(): Promise<RedisProcess>
  /**
   * Causes a failover and resolves with the new master once the sentinels name it and it
   * answers as master. `how`:
   * - `'command'`: SENTINEL FAILOVER (graceful; the old master is demoted some seconds later);
   * - `'kill'`: SIGKILL the master;
   * - `'pause'`: SIGSTOP the master (thaw it yourself);
   * - `'stale'`: freeze the replicas (SIGSTOP) and drop their links for `staleMs` while the master
   *   keeps acknowledging writes, then SIGKILL the master and thaw them: a replica that lacks those
   *   writes is promoted.
   *   `onStale` runs right after the thaw, before the promotion (e.g. to read what the replicas hold).
   */
  failover(
    how?: 'command' | 'kill' | 'pause' | 'stale',
    options?: { timeoutMs?: number; staleMs?: number; onStale?: (replicas: RedisProcess[]) => Promise<void> },
  ): Promise<{ from: RedisProcess; to: RedisProcess; tookMs: number }>
  /**
   * Resolves once the master has `count` replicas online (default: every other running server;
   * a demoted master is reconfigured by the sentinels only some seconds after a failover).
   */
  waitReplicasInSync(count?: number, timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function startRedisSentinel(options: RedisSentinelOptions = {}): Promise<RedisSentinel> {
  const name = options.name ?? 'mymaster'
  const replicaCount = options.replicas ?? 2
  const sentinelCount = options.sentinels ?? 3
  const quorum = options.quorum ?? 2
  const downAfter = options.downAfterMs ?? 1000
  const failoverTimeout = options.failoverTimeoutMs ?? 3000
  const servers: RedisProcess[] = []
  const sentinelNodes: RedisProcess[] = []
  const stop = async () => {
    await Promise.all([...sentinelNodes, ...servers].map((p) => p.cleanup()))
  }

  try {
    const first = await startRedisProcess({ persistence: options.persistence ?? 'none' })
    servers.push(first)
    for (let i = 0; i < replicaCount; i++) {
      servers.push(
        await startRedisProcess({
          persistence: options.persistence ?? 'none',
          args: ['--replicaof', '127.0.0.1', String(first.port)],
        }),
      )
    }
    const config = [
      `sentinel monitor ${name} 127.0.0.1 ${first.port} ${quorum}`,
      `sentinel down-after-milliseconds ${name} ${downAfter}`,
      `sentinel failover-timeout ${name} ${failoverTimeout}`,
      `sentinel parallel-syncs ${name} ${replicaCount}`,
      'sentinel resolve-hostnames no',
      '',
    ].join('\n')
    for (let i = 0; i < sentinelCount; i++) {
      sentinelNodes.push(await startRedisProcess({ sentinelConfig: config }))
    }
  } catch (error) {
    await stop()
    throw error
  }

  const byPort = (port: number) => servers.find((s) => s.port === port)

  const askMaster = async (): Promise<number | undefined> => {
    for (const sentinel of sentinelNodes) {
      if (!sentinel.running || sentinel.paused) continue
      const out = await sentinel.cli('sentinel', 'get-master-addr-by-name', name).catch(() => '')
      const port = Number(out.trim().split('\n')[1])
      if (port > 0) return port
    }
    return undefined
  }

  const role = (node: RedisProcess) =>
    node.cli('role').then(
      (out) => out.split('\n')[0]!.trim(),
      () => 'down',
    )

  const self: RedisSentinel = {
    name,
    servers,
    sentinelNodes,
    sentinels: sentinelNodes.map((s) => ({ host: '127.0.0.1', port: s.port })),
    async master() {
      const port = await askMaster()
      const node = port && byPort(port)
      if (!node) throw new Error('the sentinels name no known master')
      return node
    },
    async failover(how = 'command', { timeoutMs = 15_000, staleMs = 500, onStale } = {}) {
      const from = await self.master()
      const started = Date.now()
      if (how === 'command') {
        const out = await sentinelNodes[0]!.cli('sentinel', 'failover', name)
        if (!out.includes('OK')) throw new Error(`SENTINEL FAILOVER refused: ${out.trim()}`)
      } else if (how === 'kill') {
        await from.kill()
      } else if (how === 'pause') {
        from.pause()
      } else {
        const replicas = servers.filter((s) => s !== from && s.running && !s.paused)
        for (const replica of replicas) replica.pause()
        // Cut the replication links too: otherwise what the master sends waits in the frozen
        // replicas' socket buffers and reaches them after the thaw.
        await from.cli('client', 'kill', 'type', 'replica')
        await sleep(staleMs)
        await from.kill()
        for (const replica of replicas) replica.resume()
        await onStale?.(replicas)
      }
      const deadline = started + timeoutMs
      while (Date.now() < deadline) {
        const port = await askMaster()
        const to = port !== undefined && port !== from.port ? byPort(port) : undefined
        if (to && (await role(to)) === 'master') return { from, to, tookMs: Date.now() - started }
        await sleep(50)
      }
      throw new Error(`no failover away from ${from.port} within ${timeoutMs} ms`)
    },
    async waitReplicasInSync(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        const master = await self.master().catch(() => undefined)
        const info = master ? await master.cli('info', 'replication').catch(() => '') : ''
        const online = (info.match(/state=online/g) ?? []).length
        const expected = count ?? servers.filter((s) => s !== master && s.running && !s.paused).length
        if (master && online >= expected) return
        await sleep(100)
      }
      throw new Error(`replicas not in sync within ${timeoutMs} ms`)
    },
    stop,
  }

  try {
    // Sentinels must know the replicas and each other before a failover can be agreed.
    const deadline = Date.now() + 15_000
    for (;;) {
      const views = await Promise.all(
        sentinelNodes.map((s) => s.cli('sentinel', 'master', name).catch(() => '')),
      )
      const field = (view: string, key: string) => {
        const lines = view.trim().split('\n')
        const at = lines.indexOf(key)
        return at === -1 ? -1 : Number(lines[at + 1])
      }
      if (
        views.every(
          (v) =>
            field(v, 'num-slaves') >= replicaCount && field(v, 'num-other-sentinels') >= sentinelCount - 1,
        )
      )
        break
      if (Date.now() > deadline) throw new Error('sentinels did not discover the deployment within 15 s')
      await sleep(100)
    }
    await self.waitReplicasInSync()
  } catch (error) {
    await stop()
    throw error
  }
  return self
}
