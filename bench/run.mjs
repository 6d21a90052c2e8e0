#!/usr/bin/env node
// tokenguard benchmark: HTTP scenarios (server CPU per request and req/s against the bare
// framework, a hook floor and the peers), an in-process micro-bench, growth curves and revocation
// propagation, each with its targets met or missed. `node bench/run.mjs --help` lists the flags.
// Everything listens on 127.0.0.1; every load loop is bounded in count and time.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout } from 'node:timers'
import { fileURLToPath } from 'node:url'
import { cpus, start, stop } from './lib/children.mjs'
import { connectionSweep } from './lib/connections.mjs'
import { aggregate, addRatios, runOnce } from './lib/http-rounds.mjs'
import { hasWrk } from './lib/load.mjs'
import { USAGE, readOptions } from './lib/options.mjs'
import { summarizeProfile } from './lib/profile.mjs'
import { measurePropagation } from './lib/propagation.mjs'
import { finish } from './lib/summary.mjs'
import {
  API_CLIENT,
  AUDIENCE,
  OPAQUE_PREFIX,
  createKeys,
  opaqueToken,
  signPool,
  signToken,
} from './lib/tokens.mjs'
import { allScenarios, selectScenarios } from './lib/workloads.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const opts = readOptions(process.argv.slice(2), here)
const HARD_LIMIT_MS = opts.quick ? 150_000 : 3_600_000

const startedAt = Date.now()
const log = (...args) =>
  console.log(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)}s]`, ...args)

async function startAux(introspectionDelayMs, jwks) {
  return start(
    'aux-server.mjs',
    { jwks, introspectionDelayMs, apiClient: API_CLIENT, audience: AUDIENCE, opaquePrefix: OPAQUE_PREFIX },
    { cpu: cpus?.generator },
  )
}

async function startRedisIfWanted(wanted) {
  if (!wanted) return {}
  try {
    const { tsImport } = await import('tsx/esm/api')
    const { startRedis } = await tsImport('@tokenguard/test-support/src/redis-server.ts', import.meta.url)
    return { redis: await startRedis() }
  } catch (error) {
    const note = `Redis rows skipped: neither REDIS_URL nor a usable redis-server on PATH (${error.message.split('\n')[0]})`
    console.log(`NOTE: ${note}`)
    return { note }
  }
}

/** Signs the tokens the selected scenarios use: one repeated per kind, pools for `distinct`. */
async function buildTokens(keys, issuer, scenarios) {
  const needed = new Set(scenarios.map((s) => `${s.workload.token}:${s.workload.mode}`))
  const tokens = {}
  for (const kind of ['jwt-RS256', 'jwt-ES256', 'opaque']) {
    const alg = kind.slice(4)
    tokens[kind] = {
      repeated: [kind === 'opaque' ? opaqueToken() : await signToken(keys[alg], alg, issuer, 0)],
    }
    if (!needed.has(`${kind}:distinct`)) continue
    const t = Date.now()
    tokens[kind].distinct =
      kind === 'opaque'
        ? Array.from({ length: opts.pool }, opaqueToken)
        : await signPool(keys[alg], alg, issuer, opts.pool)
    log(`signed ${opts.pool} distinct ${kind} tokens in ${((Date.now() - t) / 1000).toFixed(1)} s`)
  }
  return tokens
}

// Many short interleaved rounds: a burst of load from elsewhere lands on every variant alike.
const microConfig = () => ({ pool: opts.quick ? 400 : 1000, rounds: opts.quick ? 5 : 21, cpu: cpus?.server })

async function profileMode(ctx) {
  const dir = path.join(here, 'results', 'profiles')
  fs.mkdirSync(dir, { recursive: true })
  const before = new Set(fs.readdirSync(dir))
  const execArgv = ['--expose-gc', '--cpu-prof', `--cpu-prof-dir=${dir}`]
  if (opts.profile.startsWith('micro:')) {
    const micro = await start(
      'micro.mjs',
      { ...microConfig(), only: opts.profile.slice(6) },
      { execArgv, timeoutMs: 600_000 },
    )
    for (const r of micro.results)
      console.log(`${r.name}: ${r.usPerCall.toFixed(2)} µs/call (CV ${(r.cv * 100).toFixed(1)}%)`)
    await stop(micro.child)
  } else {
    const row = selectScenarios(opts)[0]
    if (!row)
      throw new Error(
        `--profile: no scenario ${opts.profile}; ids: ${allScenarios()
          .map((s) => s.id)
          .join(', ')}`,
      )
    const stats = await runOnce(row, ctx, opts, { execArgv })
    console.log(
      `${row.id}: ${stats.cpuPerRequest.toFixed(1)} µs CPU/request, ${Math.round(stats.rps)} req/s, p99 ${stats.p99.toFixed(2)} ms, ${stats.non2xx} non-2xx`,
    )
  }
  const file = fs.readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.cpuprofile'))
  console.log(`profile: ${path.join(dir, file)}\n`)
  console.log(summarizeProfile(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')), { top: opts.top }))
}

/** Rounds interleave scenarios (round 1 of every scenario, then round 2, …): drift hits all alike. */
async function httpRounds(scenarios, ctx, redisNote, failures) {
  const perRow = new Map(scenarios.map((s) => [s.id, []]))
  const skipped = new Map()
  for (let round = 1; round <= opts.rounds; round++) {
    for (const row of scenarios) {
      if (row.server.store === 'redis' && !ctx.redisUrl) {
        skipped.set(row.id, redisNote)
        continue
      }
      try {
        const stats = await runOnce(row, ctx, opts)
        perRow.get(row.id).push(stats)
        const warn = [
          stats.non2xx || stats.errors ? `⚠ ${stats.non2xx} non-2xx ${stats.errors} errors` : '',
          stats.generatorBusy >= 0.9 ? '⚠ generator saturated' : '',
        ]
        log(
          `round ${round}/${opts.rounds} ${row.id.padEnd(44)} ${stats.cpuPerRequest.toFixed(1).padStart(6)} µs/req ${Math.round(stats.rps).toString().padStart(7)} req/s  p99 ${stats.p99.toFixed(1)} ms  server ${(stats.serverBusy * 100).toFixed(0)}% wrk ${(stats.generatorBusy * 100).toFixed(0)}% ${warn.join(' ')}`,
        )
      } catch (error) {
        // Recorded and reported (the run then exits 1); the other scenarios still run.
        failures.push({ id: row.id, round, error: error.message.slice(0, 2000) })
        log(`round ${round}/${opts.rounds} ${row.id}: FAILED ${error.message.split('\n')[0]}`)
      }
    }
  }
  const results = scenarios.map((row) => {
    if (!skipped.has(row.id) && perRow.get(row.id).length === 0)
      skipped.set(row.id, 'FAILED in every round (see failures)')
    const { id, scenario, framework, impl, alg } = row
    return skipped.has(row.id)
      ? { id, scenario, framework, impl, alg, workload: row.workload.mode, skipped: skipped.get(row.id) }
      : aggregate(row, perRow.get(row.id))
  })
  addRatios(results)
  return results
}

async function main() {
  if (opts.help) return console.log(USAGE)
  if (!hasWrk()) throw new Error('wrk is required (Debian/Ubuntu: apt-get install wrk)')
  setTimeout(() => {
    console.error(`bench: hard time limit (${HARD_LIMIT_MS / 1000} s) reached`)
    process.exit(2)
  }, HARD_LIMIT_MS).unref()
  const loadAtStart = os.loadavg()
  const scenarios = opts.http ? selectScenarios(opts) : []
  if (opts.http && scenarios.length === 0 && !opts.profile?.startsWith('micro:'))
    throw new Error('no scenario selected')

  const { keys, jwks } = await createKeys()
  const aux = await startAux(1, jwks) // the authorization server: metadata, JWKS, introspection (1 ms)
  const issuer = aux.issuer
  const tokens = await buildTokens(keys, issuer, scenarios)
  const wantsRedis =
    scenarios.some((s) => s.server.store === 'redis') ||
    (!opts.profile && !opts.only && (opts.http || opts.growth))
  const { redis, note: redisNote } = await startRedisIfWanted(wantsRedis)
  const ctx = { aux: aux.child, issuer, tokens, redisUrl: redis?.url }
  const failures = []
  const report = {
    options: { ...opts, out: undefined },
    pinning: cpus ?? 'none (fewer than 2 CPUs or no taskset)',
    failures,
  }
  try {
    if (opts.profile) return await profileMode(ctx)
    log(
      `${scenarios.length} HTTP scenarios × ${opts.rounds} round(s) × ${opts.duration} s (+${opts.warmup} s warm-up), ${opts.connections} connections; pinning ${cpus ? `server CPU ${cpus.server}, generator CPU ${cpus.generator}` : 'off'}`,
    )
    report.results = await httpRounds(scenarios, ctx, redisNote, failures)
    if (!opts.only && opts.http) {
      log('connections sweep')
      report.connections = await connectionSweep({
        frameworks: opts.quick ? ['express'] : ['express', 'koa', 'fastify'],
        counts: opts.quick ? [1, 16, 256] : [1, 4, 16, 64, 256],
        rate: 1000,
        seconds: opts.quick ? 1 : 3,
        ctx,
      })
      if (!redis) report.propagation = { skipped: redisNote }
      else {
        log(`revocation propagation: ${opts.revocations} revocations`)
        try {
          report.propagation = await measurePropagation({
            start: (_, config) => start('server.mjs', config),
            stop,
            issuer,
            redisUrl: redis.url,
            keys,
            count: opts.revocations,
          })
        } catch (error) {
          failures.push({ id: 'propagation', round: 1, error: error.message.slice(0, 2000) })
          report.propagation = { skipped: `FAILED: ${error.message.split('\n')[0]}` }
        }
      }
    }
    if (opts.micro) {
      log('in-process micro-bench')
      const micro = await start('micro.mjs', microConfig(), { execArgv: ['--expose-gc'], timeoutMs: 600_000 })
      report.micro = {
        results: micro.results,
        cacheEntryBytes: micro.cacheEntryBytes,
        memoryEntries: micro.memoryEntries,
        pool: micro.pool,
        rounds: micro.rounds,
      }
      await stop(micro.child)
    }
    if (opts.growth) {
      log('growth curves')
      const fast = await startAux(0, jwks)
      try {
        const growth = await start(
          'growth.mjs',
          {
            max: opts.growthMax,
            redisMax: redis ? Math.min(opts.growthMax, opts.quick ? 1000 : 100_000) : 0,
            introspectionMax: Math.min(opts.growthMax, opts.quick ? 10_000 : 100_000),
            issuersMax: Math.min(opts.growthMax, opts.quick ? 100 : 1000),
            issuersCpu: cpus?.generator, // the issuers' server, away from the validator's CPU
            issuer: fast.issuer,
            apiClient: API_CLIENT,
            redisUrl: redis?.url,
            cpu: cpus?.server,
          },
          { execArgv: ['--expose-gc', '--max-old-space-size=4096'], timeoutMs: 900_000 },
        )
        report.growth = { curves: growth.curves }
        await stop(growth.child)
      } finally {
        await stop(fast.child)
      }
    }
  } finally {
    await stop(aux.child)
    await redis?.stop()
  }
  if (report.connections) (report.growth ??= { curves: [] }).curves.push(report.connections)
  finish(report, { opts, loadAtStart, startedAt })
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
