/**
 * A real Redis Cluster for tests: `masters` redis-server processes with `cluster-enabled yes`
 * (and `replicasPerMaster` replicas each) on free 127.0.0.1 ports, joined by
 * `redis-cli --cluster create … --cluster-yes`, waited on until every node reports
 * `cluster_state:ok`. A short `cluster-node-timeout` makes a replica take over a killed master
 * within a couple of seconds.
 */
import { execFile } from 'node:child_process'
import { redisCli, startRedisProcess, type Persistence, type RedisProcess } from './redis-process'

export interface RedisClusterOptions {
  masters?: number
  replicasPerMaster?: number
  /** ms; default 1000. */
  nodeTimeoutMs?: number
  persistence?: Persistence
}

export interface ClusterNodeInfo {
  id: string
  port: number
  role: 'master' | 'replica'
  /** True when the node is flagged fail / pfail by the node asked. */
  failing: boolean
  slots: Array<[number, number]>
}

export interface RedisCluster {
  nodes: RedisProcess[]
  /** `{ host, port }` of every node, for `new Cluster(…)`. */
  startupNodes: Array<{ host: string; port: number }>
  /** The cluster's view, asked of one live node. */
  topology(): Promise<ClusterNodeInfo[]>
  /** The process serving `slot` (or the slot of `key`) as master now. */
  masterOf(keyOrSlot: string | number): Promise<RedisProcess>
  /** The processes with at least one (classic or sharded) pub/sub subscription open now. */
  subscribedNodes(): Promise<RedisProcess[]>
  /**
   * Resharding: moves the slot of `keyOrSlot` (keys included, by MIGRATE) from its master to
   * another live master (`to`, default the next one), the way `redis-cli --cluster reshard` does:
   * SETSLOT IMPORTING / MIGRATING, GETKEYSINSLOT + MIGRATE until empty, SETSLOT NODE everywhere.
   */
  moveSlot(keyOrSlot: string | number, to?: RedisProcess): Promise<{ from: RedisProcess; to: RedisProcess }>
  /** Resolves once every running node reports `cluster_state:ok` and agrees on the masters. */
  waitHealthy(timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

function exec(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', args, { timeout: 30_000 }, (error, out, err) =>
      error ? reject(new Error(`redis-cli ${args.join(' ')}: ${err || out || error.message}`)) : resolve(out),
    )
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** CRC16/XMODEM of the hash tag (or the key), mod 16384: the Cluster key slot. */
export function keySlot(key: string): number {
  const open = key.indexOf('{')
  if (open !== -1) {
    const close = key.indexOf('}', open + 1)
    if (close > open + 1) key = key.slice(open + 1, close)
  }
  let crc = 0
  for (const byte of Buffer.from(key)) {
    crc ^= byte << 8
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc % 16384
}

export function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, address, flags, , , , , , ...slots] = line.split(' ')
      const port = Number(address!.split('@')[0]!.split(':')[1])
      const flagSet = new Set(flags!.split(','))
      return {
        id: id!,
        port,
        role: flagSet.has('master') ? 'master' : 'replica',
        failing: flagSet.has('fail') || flagSet.has('fail?'),
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s) => {
            const [from, to] = s.split('-').map(Number)
            return [from!, to ?? from!] as [number, number]
          }),
      }
    })
}

export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3
  const replicas = options.replicasPerMaster ?? 0
  const nodeTimeout = options.nodeTimeoutMs ?? 1000
  const nodes: RedisProcess[] = []
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.cleanup()))
  }
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      nodes.push(
        await startRedisProcess({
          persistence: options.persistence ?? 'none',
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-node-timeout',
            String(nodeTimeout),
            // A lone replica may take over at once: tests kill masters on purpose.
            '--cluster-replica-validity-factor',
            '0',
            '--cluster-allow-replica-migration',
            'no',
          ],
        }),
      )
    }
    await exec([
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ])
  } catch (error) {
    await stop()
    throw error
  }

  const live = () => nodes.filter((n) => n.running && !n.paused)
  const byPort = (port: number) => nodes.find((n) => n.port === port)

  const topology = async () => {
    for (const node of live()) {
      try {
        return parseClusterNodes(await node.cli('cluster', 'nodes'))
      } catch {
        // ask the next one
      }
    }
    throw new Error('no live cluster node answers')
  }

  const cluster: RedisCluster = {
    nodes,
    startupNodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    topology,
    async masterOf(keyOrSlot) {
      const slot = typeof keyOrSlot === 'number' ? keyOrSlot : keySlot(keyOrSlot)
      const owner = (await topology()).find(
        (n) => n.role === 'master' && !n.failing && n.slots.some(([a, b]) => slot >= a && slot <= b),
      )
      const node = owner && byPort(owner.port)
      if (!node) throw new Error(`no live master serves slot ${slot}`)
      return node
    },
    async moveSlot(keyOrSlot, to) {
      const slot = String(typeof keyOrSlot === 'number' ? keyOrSlot : keySlot(keyOrSlot))
      const from = await cluster.masterOf(Number(slot))
      const view = await topology()
      const idOf = (node: RedisProcess) => view.find((n) => n.port === node.port)!.id
      const masters = view.filter((n) => n.role === 'master' && !n.failing && n.slots.length > 0)
      const target =
        to ?? byPort(masters.map((n) => n.port).find((port) => port !== from.port && byPort(port)?.running)!)!
      await target.cli('cluster', 'setslot', slot, 'importing', idOf(from))
      await from.cli('cluster', 'setslot', slot, 'migrating', idOf(target))
      for (;;) {
        const keys = (await from.cli('cluster', 'getkeysinslot', slot, '100')).split('\n').filter(Boolean)
        if (keys.length === 0) break
        await from.cli(
          'migrate',
          '127.0.0.1',
          String(target.port),
          '',
          '0',
          '5000',
          'REPLACE',
          'KEYS',
          ...keys,
        )
      }
      for (const node of [target, from, ...live().filter((n) => n !== target && n !== from)]) {
        await node.cli('cluster', 'setslot', slot, 'node', idOf(target)).catch(() => {})
      }
      return { from, to: target }
    },
    async subscribedNodes() {
      const found: RedisProcess[] = []
      for (const node of live()) {
        const clients = await redisCli(node.port, 'client', 'list').catch(() => '')
        if (/ (sub|ssub|psub)=[1-9]/.test(clients)) found.push(node)
      }
      return found
    },
    async waitHealthy(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      let last = ''
      while (Date.now() < deadline) {
        try {
          const views = await Promise.all(
            live().map(async (n) => ({
              info: await n.cli('cluster', 'info'),
              nodes: parseClusterNodes(await n.cli('cluster', 'nodes')),
            })),
          )
          const ok = views.every((v) => v.info.includes('cluster_state:ok'))
          const mastersSeen = views.map((v) =>
            v.nodes
              .filter((n) => n.role === 'master' && !n.failing && n.slots.length > 0)
              .map((n) => n.port)
              .sort()
              .join(','),
          )
          // Masters that are only not yet flagged as failing do not count: each must be running.
          const allLive = mastersSeen[0]?.split(',').every((port) => byPort(Number(port))?.running)
          if (
            ok &&
            allLive &&
            new Set(mastersSeen).size === 1 &&
            mastersSeen[0]!.split(',').length === masters
          )
            return
          last = views.map((v) => v.info.split('\n')[0]).join(' ')
        } catch (error) {
          last = String(error)
        }
        await sleep(100)
      }
      throw new Error(`cluster not healthy within ${timeoutMs} ms: ${last}`)
    },
    stop,
  }
  try {
    await cluster.waitHealthy()
  } catch (error) {
    await stop()
    throw error
  }
  return cluster
}
