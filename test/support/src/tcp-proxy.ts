import net from 'node:net'

/**
 * - `pass`: bytes flow both ways.
 * - `pause`: connections stay open but every byte, both ways, is dropped without a sign (a silent
 *   partition: no FIN, no RST). New connections are accepted and get nothing either. Leaving
 *   `pause` resets the connections whose stream lost bytes (their byte streams can no longer be
 *   parsed, as after a TCP retransmission timeout); the others carry on.
 * - `reset`: every connection is reset (RST), and so is every new one.
 * - `latency`: bytes flow, each chunk `latencyMs` late (order kept per direction).
 */
export type ProxyMode = 'pass' | 'pause' | 'reset' | 'latency'

export interface ProxyStats {
  /** Connections accepted since the start. */
  accepted: number
  /** Connections open now. */
  open: number
  /** Bytes forwarded client → upstream and upstream → client. */
  forwarded: number
  /** Bytes dropped in `pause`. */
  dropped: number
  /** Connections reset by `reset` or on leaving `pause`. */
  reset: number
}

export interface TcpProxy {
  port: number
  readonly mode: ProxyMode
  setMode(mode: ProxyMode, options?: { latencyMs?: number }): void
  /** Drops every connection (FIN) and refuses new ones: the instance behind it is cut off. */
  cut(): void
  /** Back to `pass` after `cut()` or any mode. */
  restore(): void
  stats(): ProxyStats
  close(): Promise<void>
}

interface Pipe {
  client: net.Socket
  upstream: net.Socket | undefined
  /** Bytes were dropped on this connection: its stream is broken. */
  lost: boolean
  /** When the last delayed chunk in each direction is due (keeps order when latency changes). */
  dueUp: number
  dueDown: number
}

/**
 * A loopback TCP proxy to `targetPort` whose behaviour a test switches at run time, to put one
 * instance behind a partition, a reset, or a slow link while the others keep a clean path.
 */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pipes = new Set<Pipe>()
  const stats: ProxyStats = { accepted: 0, open: 0, forwarded: 0, dropped: 0, reset: 0 }
  let mode: ProxyMode = 'pass'
  let latencyMs = 0
  let closed = false // cut(): refuse with FIN

  const reset = (pipe: Pipe) => {
    stats.reset++
    pipe.client.resetAndDestroy()
    pipe.upstream?.destroy()
  }

  const forward = (pipe: Pipe, chunk: Buffer, toUpstream: boolean) => {
    if (mode === 'pause') {
      stats.dropped += chunk.length
      pipe.lost = true
      return
    }
    const target = toUpstream ? pipe.upstream : pipe.client
    if (!target || target.destroyed) return
    const write = () => {
      if (target.destroyed) return
      stats.forwarded += chunk.length
      target.write(chunk)
    }
    if (mode !== 'latency' && (toUpstream ? pipe.dueUp : pipe.dueDown) <= Date.now()) return write()
    const due = Math.max(
      Date.now() + (mode === 'latency' ? latencyMs : 0),
      toUpstream ? pipe.dueUp : pipe.dueDown,
    )
    if (toUpstream) pipe.dueUp = due
    else pipe.dueDown = due
    setTimeout(write, due - Date.now()).unref()
  }

  const connectUpstream = (pipe: Pipe) => {
    const upstream = net.connect(targetPort, targetHost)
    pipe.upstream = upstream
    upstream.on('data', (chunk: Buffer) => forward(pipe, chunk, false))
    upstream.on('error', () => upstream.destroy())
    upstream.on('close', () => pipe.client.destroy())
  }

  const server = net.createServer((client) => {
    if (closed) return client.destroy()
    if (mode === 'reset') {
      stats.reset++
      return client.resetAndDestroy()
    }
    stats.accepted++
    stats.open++
    const pipe: Pipe = { client, upstream: undefined, lost: false, dueUp: 0, dueDown: 0 }
    pipes.add(pipe)
    client.on('data', (chunk: Buffer) => forward(pipe, chunk, true))
    client.on('error', () => client.destroy())
    client.on('close', () => {
      stats.open--
      pipes.delete(pipe)
      pipe.upstream?.destroy()
    })
    // Behind a partition the peer is unreachable: the connection waits, with no upstream yet.
    if (mode !== 'pause') connectUpstream(pipe)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo

  const proxy: TcpProxy = {
    port,
    get mode() {
      return mode
    },
    setMode(next, options = {}) {
      const leavingPause = mode === 'pause' && next !== 'pause'
      mode = next
      closed = false
      latencyMs = options.latencyMs ?? (next === 'latency' ? latencyMs : 0)
      if (next === 'latency' && !(latencyMs > 0)) throw new RangeError('latency mode needs latencyMs > 0')
      for (const pipe of [...pipes]) {
        if (next === 'reset' || (leavingPause && (pipe.lost || !pipe.upstream))) reset(pipe)
      }
    },
    cut() {
      proxy.setMode('pass')
      closed = true
      for (const pipe of [...pipes]) {
        pipe.client.destroy()
        pipe.upstream?.destroy()
      }
    },
    restore() {
      proxy.setMode('pass')
    },
    stats: () => ({ ...stats }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const pipe of pipes) {
          pipe.client.destroy()
          pipe.upstream?.destroy()
        }
        server.close(() => resolve())
      }),
  }
  return proxy
}
