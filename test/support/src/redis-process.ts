/**
 * redis-server (or redis-sentinel) processes a fault test controls: start on a free 127.0.0.1
 * port with or without persistence, freeze (SIGSTOP) and thaw (SIGCONT), crash (SIGKILL), restart
 * on the same port and data directory. Every process and temp directory is tracked, so
 * `stopAllRedisProcesses()` in afterAll (and an exit hook, as a last resort) leaves nothing behind.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { freePort } from './free-port'
import { ping } from './redis-server'

export type Persistence =
  /** Nothing on disk: a restart comes back empty. */
  | 'none'
  /** Append-only file, fsync on every write: a SIGKILL loses nothing acknowledged. */
  | 'aof'

export interface RedisProcessOptions {
  port?: number
  persistence?: Persistence
  /** Extra `--name value` arguments (e.g. `['--cluster-enabled', 'yes']`). */
  args?: string[]
  /** Start redis-sentinel on this config file (written into `dir`) instead of redis-server. */
  sentinelConfig?: string
  /** How long to wait for PING after a start. Default 5000 ms. */
  startTimeoutMs?: number
}

export interface RedisProcess {
  readonly port: number
  readonly url: string
  /** The data directory (AOF, cluster nodes file, sentinel config); removed by `cleanup()`. */
  readonly dir: string
  readonly running: boolean
  readonly paused: boolean
  /** SIGSTOP: the process keeps its sockets open and answers nothing. */
  pause(): void
  /** SIGCONT. */
  resume(): void
  /** SIGKILL (a crash); resolves once the process has exited. */
  kill(): Promise<void>
  /** SIGTERM (SIGCONT first if paused); resolves once the process has exited. */
  stop(): Promise<void>
  /** Starts again on the same port and directory (persisted data comes back); resolves on PING. */
  restart(): Promise<void>
  /** Removes the data files (an empty restart even with persistence). Only while stopped. */
  wipe(): void
  /** Runs one command through redis-cli against this process; resolves with its raw output. */
  cli(...args: string[]): Promise<string>
  /** Kills the process if it runs and removes `dir`. */
  cleanup(): Promise<void>
}

const tracked = new Set<RedisProcess>()
const children = new Set<ChildProcess>()
let exitHook = false

/** Kills every process started here and removes their directories (call it from afterAll). */
export async function stopAllRedisProcesses(): Promise<void> {
  await Promise.all([...tracked].map((p) => p.cleanup()))
}

/** One redis-cli command against 127.0.0.1:port (`-p` only: no cluster redirects). */
export function redisCli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'redis-cli',
      ['-h', '127.0.0.1', '-p', String(port), ...args],
      { timeout: 10_000 },
      (error, out, err) => {
        if (error) reject(new Error(`redis-cli -p ${port} ${args.join(' ')}: ${err || error.message}`))
        else resolve(out)
      },
    )
  })
}

export async function startRedisProcess(options: RedisProcessOptions = {}): Promise<RedisProcess> {
  if (!exitHook) {
    exitHook = true
    process.on('exit', () => {
      for (const child of children) child.kill('SIGKILL')
    })
  }
  const port = options.port ?? (await freePort())
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tokenguard-redis-${port}-`))
  const persistence = options.persistence ?? 'none'
  const startTimeoutMs = options.startTimeoutMs ?? 5000
  let child: ChildProcess | undefined
  let paused = false

  const argv = (): [string, string[]] => {
    if (options.sentinelConfig !== undefined) {
      const file = path.join(dir, 'sentinel.conf')
      // Sentinel rewrites its config as it learns: write it once, keep it across restarts.
      if (!fs.existsSync(file)) fs.writeFileSync(file, options.sentinelConfig)
      return ['redis-sentinel', [file, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir]]
    }
    const disk =
      persistence === 'aof'
        ? ['--appendonly', 'yes', '--appendfsync', 'always', '--save', '']
        : ['--appendonly', 'no', '--save', '']
    return [
      'redis-server',
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...disk],
        // A replica's full sync starts at once (the default waits 5 s for more replicas).
        ...['--repl-diskless-sync-delay', '0'],
        ...(options.args ?? []),
      ],
    ]
  }

  const exited = (proc: ChildProcess) => proc.exitCode !== null || proc.signalCode !== null

  const start = async () => {
    const [binary, args] = argv()
    const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir })
    child = proc
    paused = false
    children.add(proc)
    let stderr = ''
    proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()))
    proc.once('exit', () => children.delete(proc))
    proc.on('error', (e) => (stderr += String(e)))
    const deadline = Date.now() + startTimeoutMs
    while (Date.now() < deadline) {
      if (exited(proc)) break
      if (await ping(port)) return
      await new Promise((r) => setTimeout(r, 30))
    }
    proc.kill('SIGKILL')
    throw new Error(
      `${binary} did not answer PING on port ${port} within ${startTimeoutMs} ms: ${stderr.trim()}`,
    )
  }

  const terminate = (signal: NodeJS.Signals) => {
    const proc = child
    child = undefined
    if (!proc || exited(proc)) return Promise.resolve()
    return new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      if (paused && signal !== 'SIGKILL') proc.kill('SIGCONT')
      paused = false
      proc.kill(signal)
    })
  }

  const self: RedisProcess = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get running() {
      return child !== undefined && !exited(child)
    },
    get paused() {
      return paused
    },
    pause() {
      if (!child || exited(child)) throw new Error(`redis on ${port} is not running`)
      child.kill('SIGSTOP')
      paused = true
    },
    resume() {
      if (!child || exited(child)) throw new Error(`redis on ${port} is not running`)
      child.kill('SIGCONT')
      paused = false
    },
    kill: () => terminate('SIGKILL'),
    stop: () => terminate('SIGTERM'),
    async restart() {
      await terminate('SIGTERM')
      await start()
    },
    wipe() {
      if (self.running) throw new Error('wipe() needs a stopped process')
      for (const name of fs.readdirSync(dir)) {
        if (name !== 'sentinel.conf') fs.rmSync(path.join(dir, name), { recursive: true, force: true })
      }
    },
    cli: (...args) => redisCli(port, ...args),
    async cleanup() {
      tracked.delete(self)
      await terminate('SIGKILL')
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
  tracked.add(self)
  try {
    await start()
  } catch (error) {
    await self.cleanup()
    throw error
  }
  return self
}
