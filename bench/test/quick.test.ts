// A smoke of the bench harness (two scenarios, a few thousand requests: about 5 s on a quiet
// machine): the HTTP path end to end (server child, wrk rotation, CPU marks, report) writes every
// selected row, measured, with the figures the targets need; and the growth curves under --quick
// (about 8 s) print the issuers table. Nothing here is about speed; the 60 s bound only stops a
// hang on a machine loaded by other jobs.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const BENCH = path.join(__dirname, '..')

interface Row {
  id: string
  skipped?: string
  rps?: number
  cpuPerRequest?: number
  cpuToFloor?: number
  generatorBusy?: number
  p50?: number
  p99?: number
  non2xx?: number
  errors?: number
}

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(BENCH, 'run.mjs'), ...args], {
      cwd: BENCH,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

test('a bench smoke measures server CPU per request against the hook floor', async () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tokenguard-bench-')), 'smoke.json')
  const only = 'express/floor-distinct,express/jwt-RS256-distinct'
  const args = ['--only', only, '--rounds', '1', '--duration', '1', '--warmup', '0', '--pool', '300']
  const { code, output } = await run([...args, '--out', out], 60_000)
  if (code !== 0) throw new Error(`bench smoke exited ${code}:\n${output}`)

  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as {
    results: Row[]
    targets: Array<{ target: string; met: boolean; margin: number }>
  }
  expect(report.results.map((row) => row.id).sort()).toEqual([
    'express/floor-distinct',
    'express/jwt-RS256-distinct',
    'express/jwt-RS256-distinct-nocache',
  ])
  for (const row of report.results) {
    expect(row.skipped).toBeUndefined()
    expect(row.rps).toBeGreaterThan(0)
    expect(row.cpuPerRequest).toBeGreaterThan(0)
    expect(row.generatorBusy).toBeGreaterThan(0)
    expect(Number.isFinite(row.p99)).toBe(true)
    // Every answer was a 200: a bench of 401s would measure the wrong thing.
    expect(row.non2xx).toBe(0)
    expect(row.errors).toBe(0)
  }
  // The distinct rows are compared with the floor under the same workload.
  const cold = report.results.find((row) => row.id === 'express/jwt-RS256-distinct')!
  expect(Number.isFinite(cold.cpuToFloor)).toBe(true)
  const never = report.targets.find((t) => t.target.startsWith('never-hitting verified-token cache'))
  expect(never).toBeDefined()
  expect(Number.isFinite(never!.margin)).toBe(true)
  expect(output).toMatch(/\| scenario \| framework \| CPU µs\/req \|/)
})

test('the growth curves under --quick include issuers 1 → 100, each issuer fetched twice', async () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tokenguard-bench-')), 'growth.json')
  const { code, output } = await run(['--quick', '--no-http', '--no-micro', '--out', out], 60_000)
  if (code !== 0) throw new Error(`bench growth exited ${code}:\n${output}`)

  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as {
    growth: { curves: Array<{ title: string; header: string[]; rows: Array<Array<number | null>> }> }
  }
  const curve = report.growth.curves.find((c) => c.title.startsWith('Issuers'))
  expect(curve).toBeDefined()
  const column = (name: string) => curve!.header.indexOf(name)
  expect(curve!.rows.map((row) => row[0])).toEqual([1, 10, 100])
  for (const row of curve!.rows) {
    for (const name of [
      'first token p50 ms',
      'first token p99 ms',
      'cached µs/verify',
      'new token µs/verify',
    ])
      expect(row[column(name)]).toBeGreaterThan(0)
    expect(row[column('first token p99 ms')]).toBeGreaterThanOrEqual(row[column('first token p50 ms')]!)
    // A new issuer costs its RFC 8414 metadata and its JWKS, nothing more, however many are trusted.
    expect(row[column('fetches/issuer')]).toBe(2)
  }
  // Heap per issuer from 100 issuers up (fewer are within the noise of a heap reading: null in JSON).
  expect(curve!.rows[0]![column('heap B/issuer')]).toBeNull()
  expect(curve!.rows[1]![column('heap B/issuer')]).toBeNull()
  expect(curve!.rows[2]![column('heap B/issuer')]).toBeGreaterThan(0)
  expect(output).toMatch(/\| issuers \| first token p50 ms \| first token p99 ms \| cached µs\/verify \|/)
})
