import net from 'node:net'
import { startTcpProxy, type TcpProxy } from '../src'

/** An echo server: every byte it gets comes back. */
async function echoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
    s.pipe(s)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}

interface Client {
  socket: net.Socket
  received(): string
  /** Resolves with how the socket ended: 'reset', 'closed', or 'open' after `ms`. */
  ending(ms: number): Promise<'reset' | 'closed' | 'open'>
}

async function connect(port: number): Promise<Client> {
  const socket = net.connect(port, '127.0.0.1')
  let data = ''
  let error: NodeJS.ErrnoException | undefined
  socket.on('data', (c) => (data += c.toString()))
  socket.on('error', (e) => (error = e))
  // A reset may arrive before 'connect' is seen: settle on whichever comes first.
  await new Promise<void>((r) => {
    socket.once('connect', () => r())
    socket.once('close', () => r())
  })
  return {
    socket,
    received: () => data,
    ending: (ms) =>
      new Promise((resolve) => {
        const verdict = () => resolve(error?.code === 'ECONNRESET' ? 'reset' : 'closed')
        if (socket.destroyed) return verdict()
        const timer = setTimeout(() => resolve('open'), ms)
        socket.once('close', () => {
          clearTimeout(timer)
          verdict()
        })
      }),
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(condition: () => boolean, ms = 1000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition() && Date.now() < deadline) await sleep(5)
}

describe('startTcpProxy', () => {
  let echo: Awaited<ReturnType<typeof echoServer>>
  let proxy: TcpProxy
  const clients: Client[] = []

  beforeEach(async () => {
    echo = await echoServer()
    proxy = await startTcpProxy(echo.port)
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy()
    await proxy.close()
    await echo.close()
  })
  const open = async () => {
    const c = await connect(proxy.port)
    clients.push(c)
    return c
  }

  test('pass: bytes flow both ways', async () => {
    const c = await open()
    c.socket.write('hello')
    await until(() => c.received() === 'hello')
    expect(c.received()).toBe('hello')
    expect(proxy.stats()).toMatchObject({ accepted: 1, open: 1, forwarded: 10, dropped: 0 })
  })

  test('pause: the connection stays open, bytes vanish both ways; leaving pause resets broken streams only', async () => {
    const broken = await open()
    const idle = await open()
    broken.socket.write('a')
    await until(() => broken.received() === 'a')
    proxy.setMode('pause')
    broken.socket.write('lost')
    const late = await open() // accepted, but nothing behind it answers
    late.socket.write('x')
    expect(await broken.ending(300)).toBe('open')
    expect(broken.received()).toBe('a')
    expect(late.received()).toBe('')
    expect(proxy.stats().dropped).toBe(5)

    proxy.setMode('pass')
    expect(await broken.ending(500)).toBe('reset')
    expect(await late.ending(500)).toBe('reset')
    idle.socket.write('still here')
    await until(() => idle.received() === 'still here')
    expect(idle.received()).toBe('still here')
  })

  test('pause drops what the upstream sends too', async () => {
    const c = await open()
    c.socket.write('ping')
    proxy.setMode('pause') // the echo of 'ping' may already be on its way back: wait and compare
    await sleep(100)
    const before = c.received()
    expect(['', 'ping']).toContain(before)
    c.socket.write('more')
    await sleep(200)
    expect(c.received()).toBe(before)
  })

  test('reset: every open connection and every new one gets an RST', async () => {
    const c = await open()
    proxy.setMode('reset')
    expect(await c.ending(500)).toBe('reset')
    const next = await open()
    expect(await next.ending(500)).toBe('reset')
    proxy.setMode('pass')
    const again = await open()
    again.socket.write('ok')
    await until(() => again.received() === 'ok')
    expect(again.received()).toBe('ok')
    expect(proxy.stats().reset).toBe(2)
  })

  test('latency: each direction is delayed by latencyMs, order kept', async () => {
    const c = await open()
    proxy.setMode('latency', { latencyMs: 150 })
    const started = Date.now()
    c.socket.write('1')
    c.socket.write('2')
    await until(() => c.received() === '12', 2000)
    const took = Date.now() - started
    expect(c.received()).toBe('12')
    expect(took).toBeGreaterThanOrEqual(290) // 150 ms there, 150 ms back
    expect(took).toBeLessThan(1000)
    expect(() => proxy.setMode('latency', { latencyMs: 0 })).toThrow(RangeError)
  })

  test('cut refuses new connections (FIN, not RST); restore lets them in again', async () => {
    const c = await open()
    proxy.cut()
    expect(await c.ending(500)).toBe('closed')
    const refused = await open()
    expect(await refused.ending(500)).toBe('closed')
    proxy.restore()
    const back = await open()
    back.socket.write('x')
    await until(() => back.received() === 'x')
    expect(back.received()).toBe('x')
  })
})
