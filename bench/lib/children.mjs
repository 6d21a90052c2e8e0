// Child processes of the bench (servers, the authorization server, in-process benches): forked
// with a JSON config, talked to over IPC, always bounded in time, pinned to a CPU when asked.
import { execFileSync, fork } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { clearTimeout, setTimeout } from 'node:timers'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const children = new Set()
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})

/**
 * CPUs for the server and for the load generator: different ones when there are at least two
 * and `taskset` exists, so the generator never steals the server's core. Undefined: no pinning.
 */
export const cpus = (() => {
  const n = os.availableParallelism?.() ?? os.cpus().length
  if (n < 2) return undefined
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
  } catch {
    return undefined
  }
  return { server: '0', generator: String(n - 1) }
})()

/**
 * Pins every thread of `pid` (and threads it starts later) to `cpu`; no-op without pinning.
 * Retried: `taskset -a` fails when a thread exits while it walks the list.
 */
export function pin(pid, cpu) {
  if (cpu === undefined) return
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' })
      return
    } catch (error) {
      if (attempt >= 5) throw error
      execFileSync('sleep', ['0.05'])
    }
  }
}

/** Forks bench/lib/<module> with a JSON config; resolves once it sends {type:'ready'}. Bounded. */
export function start(module, config, { execArgv = [], cpu, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(here, module), [JSON.stringify(config)], {
      execArgv,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    })
    children.add(child)
    try {
      pin(child.pid, cpu)
    } catch {
      // the child may already have failed; its exit reports why
    }
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
      if (stderr.length > 20_000) stderr = stderr.slice(-10_000)
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${module} did not start within ${timeoutMs / 1000} s: ${stderr}`))
    }, timeoutMs)
    child.once('exit', (code, signal) => {
      children.delete(child)
      clearTimeout(timer)
      reject(new Error(`${module} exited (${code ?? signal}) before ready: ${stderr.trim()}`))
    })
    child.on('message', (message) => {
      if (message.type !== 'ready') return
      clearTimeout(timer)
      resolve({ child, ...message, stderr: () => stderr })
    })
  })
}

/** Starts a bench server; waits out a dist/ that a concurrent rebuild has just emptied (60 s). */
export async function startServer(config, options) {
  const deadline = Date.now() + 60_000
  for (;;) {
    try {
      return await start('server.mjs', config, options)
    } catch (error) {
      if (!/ERR_MODULE_NOT_FOUND/.test(error.message) || Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 2000))
    }
  }
}

let nextId = 0
/** Sends {type, id, ...payload}; resolves with the child's answer of the same type and id. */
export function ask(child, type, payload = {}, timeoutMs = 10_000) {
  const id = ++nextId
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage)
      reject(new Error(`no ${type} answer within ${timeoutMs} ms`))
    }, timeoutMs)
    const onMessage = (message) => {
      if (message.type !== type || message.id !== id) return
      clearTimeout(timer)
      child.off('message', onMessage)
      if (message.error) reject(new Error(message.error))
      else resolve(message)
    }
    child.on('message', onMessage)
    child.send({ type, id, ...payload })
  })
}

/** Asks a child to close; kills it after `timeoutMs`. */
export function stop(child, timeoutMs = 5000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.send({ type: 'close' })
  })
}
