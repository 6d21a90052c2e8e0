#!/usr/bin/env node
// A/B of two builds of @tokenguard/core over the same HTTP scenarios, interleaved: for each pair,
// copy build A into packages/core/dist, run one round of the chosen scenarios, then build B, one
// round. Prints per-row medians of server CPU per request and req/s for both, with their CV.
// Usage: node bench/ab.mjs --before DIR --after DIR (--only A,B | --micro) [--pairs 3] [--duration 3]
// --micro compares the in-process micro-bench instead of HTTP scenarios.
// Each DIR is a copy of a built packages/core/dist; the `after` build is left in place.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { cv, median } from './lib/stats.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    after: { type: 'string' },
    only: { type: 'string' },
    pairs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '3' },
    pool: { type: 'string', default: '11000' },
    micro: { type: 'boolean', default: false },
  },
})
if (!values.before || !values.after || !(values.only || values.micro))
  throw new TypeError('--before, --after and --only (or --micro) are required')
const dist = path.join(here, '..', 'packages', 'core', 'dist')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenguard-ab-'))
const runs = { before: [], after: [] }
const memory = { before: [], after: [] }

function install(dir) {
  fs.rmSync(dist, { recursive: true, force: true })
  fs.cpSync(dir, dist, { recursive: true })
}

try {
  for (let pair = 1; pair <= Number(values.pairs); pair++) {
    for (const side of pair % 2 ? ['before', 'after'] : ['after', 'before']) {
      install(values[side])
      const out = path.join(tmp, `${side}-${pair}.json`)
      const args = values.micro
        ? ['run.mjs', '--no-http', '--no-growth', '--out', out]
        : [
            'run.mjs',
            '--only',
            values.only,
            '--rounds',
            '1',
            '--duration',
            values.duration,
            '--pool',
            values.pool,
            '--out',
            out,
          ]
      execFileSync(process.execPath, args, {
        cwd: here,
        stdio: ['ignore', 'ignore', 'inherit'],
        timeout: 1_800_000,
      })
      const report = JSON.parse(fs.readFileSync(out, 'utf8'))
      runs[side].push(
        values.micro
          ? report.micro.results.map((r) => ({
              id: r.name,
              cpuPerRequest: r.usPerCall,
              rps: 1e6 / r.usPerCall,
            }))
          : report.results,
      )
      if (values.micro) memory[side].push(report.micro.cacheEntryBytes ?? {})
      console.log(`pair ${pair}: ${side} done`)
    }
  }
} finally {
  install(values.after)
}

const ids = runs.after[0].map((r) => r.id)
const unit = values.micro ? ['CPU µs/call', 'calls/s'] : ['CPU µs/req', 'req/s']
const lines = [
  `| scenario | ${unit[0]} before | after | Δ | ${unit[1]} before | after | Δ | CV before / after (CPU) |`,
  '|---|---:|---:|---:|---:|---:|---:|---:|',
]
for (const id of ids) {
  const pick = (side, key) => runs[side].map((results) => results.find((r) => r.id === id)?.[key])
  const [cb, ca, rb, ra] = [
    pick('before', 'cpuPerRequest'),
    pick('after', 'cpuPerRequest'),
    pick('before', 'rps'),
    pick('after', 'rps'),
  ]
  const d = (a, b) => `${((median(a) / median(b) - 1) * 100).toFixed(1)}%`
  lines.push(
    `| ${id} | ${median(cb).toFixed(1)} | ${median(ca).toFixed(1)} | ${d(ca, cb)} | ${Math.round(median(rb))} | ${Math.round(median(ra))} | ${d(ra, rb)} | ${(cv(cb) * 100).toFixed(1)}% / ${(cv(ca) * 100).toFixed(1)}% |`,
  )
}
const shape = values.micro ? 'micro-bench runs' : `pairs × ${values.duration} s per scenario`
console.log(`\n${values.pairs} interleaved ${shape}; medians\n\n${lines.join('\n')}`)
if (values.micro) {
  const algs = Object.keys(memory.after[0] ?? {})
  const rows = algs.map((alg) => {
    const [b, a] = ['before', 'after'].map((side) => median(memory[side].map((m) => m[alg])))
    return `| verified-token cache, heap B/entry, ${alg} | ${Math.round(b)} | ${Math.round(a)} | ${((a / b - 1) * 100).toFixed(1)}% |`
  })
  if (rows.length > 0)
    console.log(`\n| memory | before | after | Δ |\n|---|---:|---:|---:|\n${rows.join('\n')}`)
}
