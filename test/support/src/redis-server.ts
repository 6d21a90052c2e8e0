/**
 * A real Redis for tests: a `redis-server` child on a free 127.0.0.1 port, no persistence,
 * that can be killed (SIGKILL: a crash) and restarted on the same port (a recovery), or
 * an external one from REDIS_URL (then canRestart is false and kill/restart throw).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { freePort } from './free-port'

export interface RedisServer {
  url: string
  port: number
  /** false for an external server (REDIS_URL): kill() and restart() throw. */
  canRestart: boolean
  /** Graceful stop (SIGTERM). A no-op for an external server. */
  stop(): Promise<void>
  /** SIGKILL: simulates a crash. */
  kill(): Promise<void>
  /** Start again on the same port (stops a running one first); resolves once it answers PING. */
  restart(): Promise<void>
}

const START_TIMEOUT_MS = 5000

// Children still running; killed when this process exits so no redis-server outlives Jest.
const live = new Set<ChildProcess>()
let exitHookInstalled = false
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL')
  })
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue
    const candidate = path.join(dir, name)
    try {
      fs.accessSync(candidate, fs.constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/** Resolves true when something on host:port answers a RESP inline PING with +PONG. */
export function ping(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host })
    let reply = ''
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1')
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'))
    })
  })
}

export async function startRedis(): Promise<RedisServer> {
  const external = process.env.REDIS_URL
  if (external) {
    const notOurs = async () => {
      throw new Error('kill()/restart() need a self-started redis-server; unset REDIS_URL to get one')
    }
    return {
      url: external,
      port: Number(new URL(external).port || 6379),
      canRestart: false,
      stop: async () => {},
      kill: notOurs,
      restart: notOurs,
    }
  }

  const binary = findOnPath('redis-server')
  if (!binary) {
    throw new Error(
      'redis-server is not on PATH: install it (apt-get install -y redis-server) or set REDIS_URL to a running Redis',
    )
  }
  installExitHook()
  const port = await freePort()
  let child: ChildProcess | undefined

  const spawnAndWait = async () => {
    const proc = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    child = proc
    live.add(proc)
    let stderr = ''
    proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()))
    proc.once('exit', () => live.delete(proc))
    const deadline = Date.now() + START_TIMEOUT_MS
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) break
      if (await ping(port)) return
      await new Promise((r) => setTimeout(r, 50))
    }
    proc.kill('SIGKILL')
    throw new Error(
      `redis-server did not answer PING on port ${port} within ${START_TIMEOUT_MS} ms${stderr ? `: ${stderr.trim()}` : ''}`,
    )
  }

  const terminate = (signal: NodeJS.Signals) => {
    const proc = child
    child = undefined
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve()
    return new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      proc.kill(signal)
    })
  }

  await spawnAndWait()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    canRestart: true,
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    restart: async () => {
      await terminate('SIGTERM')
      await spawnAndWait()
    },
  }
}
