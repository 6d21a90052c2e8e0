// Proves the harness works end to end (CI): `node bench/run.mjs --quick` exits 0 and writes a JSON
// report holding every expected row, each measured (or, for Redis rows, skipped with a note).
// Nothing here is about speed.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const BENCH = path.join(__dirname, '..')

const EXPECTED_ROWS = [
  'express/bare',
  'express/jwt-RS256-repeated',
  'express/jwt-RS256-distinct',
  'express/hybrid-jwt-repeated',
  'express/opaque-cache-repeated',
  'express/opaque-nocache-distinct',
  'express/handwritten-distinct',
  'express/sensitive-memory',
  'express/sensitive-redis',
  'express/peer-express-jwt-distinct',
  'express/peer-express-oauth2-jwt-bearer-distinct',
  'koa/bare',
  'koa/jwt-RS256-repeated',
  'koa/peer-koa-jwt-repeated',
  'fastify/bare',
  'fastify/jwt-RS256-repeated',
  'fastify/peer-fastifyjwt-repeated',
]

interface Row {
  id: string
  skipped?: string
  rps?: number
  p50?: number
  p99?: number
  non2xx?: number
  errors?: number
  ratioToBare?: number
}

function run(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; output: string; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now()
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
      resolve({ code, output, ms: Date.now() - started })
    })
  })
}

test('bench --quick runs every scenario and writes the JSON report', async () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tokenguard-bench-')), 'quick.json')
  const { code, output, ms } = await run(['--quick', '--out', out], 85_000)
  if (code !== 0) throw new Error(`bench --quick exited ${code} after ${ms} ms:\n${output}`)

  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as {
    results: Row[]
    propagation?: { skipped?: string; count: number; p50: number; p99: number }
    targets: unknown[]
    machine: { node: string; nproc: number }
  }
  expect(report.results.map((row) => row.id).sort()).toEqual([...EXPECTED_ROWS].sort())
  for (const row of report.results) {
    if (row.skipped) {
      // Only the Redis rows may be skipped, and only with the printed reason.
      expect(row.id).toMatch(/sensitive-redis$/)
      expect(row.skipped).toMatch(/redis/i)
      continue
    }
    expect(row.rps).toBeGreaterThan(0)
    expect(Number.isFinite(row.p50)).toBe(true)
    expect(Number.isFinite(row.p99)).toBe(true)
    // Every answer was a 200: a bench of 401s would measure the wrong thing.
    expect(row.non2xx).toBe(0)
    expect(row.errors).toBe(0)
    expect(Number.isFinite(row.ratioToBare)).toBe(true)
  }
  expect(report.propagation).toBeDefined()
  if (!report.propagation!.skipped) {
    expect(report.propagation!.count).toBeGreaterThanOrEqual(100)
    expect(Number.isFinite(report.propagation!.p99)).toBe(true)
  }
  expect(report.machine.nproc).toBeGreaterThan(0)
  expect(output).toMatch(/\| scenario \| framework \| req\/s \| p50 ms \| p99 ms \|/)
})
