// Load generation with wrk (one thread, pinned to its own CPU when there are two): requests are
// built once per token in the Lua script, so the generator's cost per request does not depend on
// the workload. The generator's own CPU time is measured (the shell's `times` after wrk exits)
// and a run in which it was busy most of the wall time is flagged: its req/s may be the
// generator's limit, not the server's.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { cpus } from './children.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const SCRIPT = path.join(here, 'rotate.lua')
/** Busy share of one CPU above which the generator counts as saturated. */
export const GENERATOR_SATURATED = 0.9

const files = new Map()
/** A file with one token per line (written once per token list, removed at exit). */
function tokenFile(tokens) {
  let file = files.get(tokens)
  if (file === undefined) {
    if (files.size === 0) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenguard-bench-'))
      process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
      files.dir = dir
    }
    file = path.join(files.dir, `tokens-${files.size}.txt`)
    fs.writeFileSync(file, tokens.join('\n') + '\n')
    files.set(tokens, file)
  }
  return file
}

export function hasWrk() {
  try {
    fs.accessSync('/usr/bin/wrk', fs.constants.X_OK)
    return true
  } catch {
    return (process.env.PATH ?? '').split(':').some((dir) => fs.existsSync(path.join(dir, 'wrk')))
  }
}

const seconds = (text) => {
  const m = /(\d+)m([\d.]+)s/.exec(text)
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN
}

/**
 * One wrk run against `url`, rotating through `tokens`; `delayMs` per request and connection
 * approximates a fixed offered load. Resolves with requests, req/s, latency (ms) and generator CPU.
 */
export function load(url, tokens, { seconds: duration, connections, delayMs = 0 }) {
  const wrk = [
    'wrk',
    '-t1',
    `-c${connections}`,
    `-d${duration}s`,
    '--timeout',
    '10s',
    '-s',
    SCRIPT,
    url,
    '--',
    tokenFile(tokens),
    String(delayMs),
  ]
  const pinned = cpus ? ['taskset', '-c', cpus.generator, ...wrk] : wrk
  // `times` prints this shell's children's user and system CPU time: wrk's own.
  const script = `${pinned.map((a) => `'${a}'`).join(' ')}; rc=$?; times >&2; exit $rc`
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['-c', script],
      { timeout: (duration + 20) * 1000, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '))
        if (error || !line)
          return reject(new Error(`wrk failed: ${error?.message ?? ''} ${stdout} ${stderr}`))
        const r = JSON.parse(line.slice(9))
        const times = stderr.trim().split('\n').at(-1).split(/\s+/)
        const generatorCpuS = seconds(times[0]) + seconds(times[1])
        const wallS = r.durationUs / 1e6
        resolve({
          requests: r.requests,
          rps: r.requests / wallS,
          wallS,
          p50: r.p50 / 1000,
          p90: r.p90 / 1000,
          p99: r.p99 / 1000,
          max: r.max / 1000,
          // wrk counts answers with status > 399 as `status` errors.
          non2xx: r.status,
          errors: r.connect + r.read + r.write + r.timeout,
          generatorCpuS,
          generatorBusy: generatorCpuS / wallS,
        })
      },
    )
  })
}
