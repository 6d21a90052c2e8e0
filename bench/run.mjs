#!/usr/bin/env node
// tokenguard benchmark (issue 8). Usage:
//   node bench/run.mjs                 3 rounds x 5 s per scenario (every scenario)
//   node bench/run.mjs --quick         1 round x 1 s, a reduced set: proves the harness works (CI); asserts nothing about speed
//   options: --rounds N --duration S --warmup S --connections N --pool N --only <substring> --out <file>
//            --profile <row id>  run that one scenario once with `node --cpu-prof` on the server, print its top self-time functions
// Everything listens on 127.0.0.1; every load loop is bounded in time.
import { fork, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import os from 'node:os'
import { clearTimeout, setTimeout } from 'node:timers'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import autocannon from 'autocannon'
import {
  API_CLIENT,
  AUDIENCE,
  OPAQUE_PREFIX,
  createKeys,
  opaqueToken,
  signPool,
  signToken,
} from './lib/tokens.mjs'
import { measurePropagation } from './lib/propagation.mjs'
import { summarizeProfile } from './lib/profile.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))

// --- options ------------------------------------------------------------------------------------

const argv = process.argv.slice(2)
const flag = (name) => argv.includes(`--${name}`)
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback
}
const quick = flag('quick')
const opts = {
  quick,
  rounds: Number(option('rounds', quick ? 1 : 3)),
  duration: Number(option('duration', quick ? 1 : 5)),
  warmup: Number(option('warmup', quick ? 0 : 1)),
  connections: Number(option('connections', 50)),
  // > the verified-token cache (10,000) so cyclic rotation misses every time (strict LRU); smaller in --quick.
  pool: Number(option('pool', quick ? 2000 : 11000)),
  revocations: Number(option('revocations', quick ? 100 : 200)),
  only: option('only', undefined),
  profile: option('profile', undefined),
  out: path.resolve(option('out', path.join(here, 'results', quick ? 'quick.json' : 'latest.json'))),
}
const HARD_LIMIT_MS = quick ? 120_000 : 3_600_000

// --- scenarios ----------------------------------------------------------------------------------

const PEERS = {
  express: ['express-jwt', 'express-oauth2-jwt-bearer'],
  koa: ['koa-jwt'],
  fastify: ['@fastify/jwt'],
}
const PEER_LABEL = {
  'express-jwt': 'express-jwt + jwks-rsa',
  'express-oauth2-jwt-bearer': 'express-oauth2-jwt-bearer (auth0)',
  'koa-jwt': 'koa-jwt + jwks-rsa',
  '@fastify/jwt': '@fastify/jwt + get-jwks',
}

/** Every scenario: id, label, framework, server config, the token workload. */
function allScenarios() {
  const rows = []
  for (const framework of ['express', 'koa', 'fastify']) {
    const add = (id, scenario, server, workload) =>
      rows.push({ id: `${framework}/${id}`, framework, scenario, server: { framework, ...server }, workload })
    add('bare', 'bare framework', { kind: 'bare' }, { token: 'jwt-RS256', mode: 'repeated' })
    for (const alg of ['RS256', 'ES256']) {
      for (const mode of ['repeated', 'distinct']) {
        add(
          `jwt-${alg}-${mode}`,
          `tokenguard jwt ${alg}, ${mode}`,
          { kind: 'tokenguard', strategy: 'jwt' },
          { token: `jwt-${alg}`, mode },
        )
      }
    }
    add(
      'hybrid-jwt-repeated',
      'tokenguard hybrid (JWT RS256), repeated',
      { kind: 'tokenguard', strategy: 'hybrid' },
      { token: 'jwt-RS256', mode: 'repeated' },
    )
    add(
      'hybrid-opaque-repeated',
      'tokenguard hybrid (opaque, cache on), repeated',
      { kind: 'tokenguard', strategy: 'hybrid' },
      { token: 'opaque', mode: 'repeated' },
    )
    add(
      'opaque-cache-repeated',
      'tokenguard opaque, cache on, repeated',
      { kind: 'tokenguard', strategy: 'opaque' },
      { token: 'opaque', mode: 'repeated' },
    )
    for (const mode of ['repeated', 'distinct']) {
      add(
        `opaque-nocache-${mode}`,
        `tokenguard opaque, cache off, ${mode}`,
        { kind: 'tokenguard', strategy: 'opaque', cache: false },
        { token: 'opaque', mode },
      )
      add(
        `handwritten-${mode}`,
        `hand-written introspection call, ${mode}`,
        { kind: 'handwritten' },
        { token: 'opaque', mode },
      )
    }
    add(
      'sensitive-memory',
      'tokenguard jwt RS256 sensitive, denylist MemoryStore, repeated',
      { kind: 'tokenguard', strategy: 'jwt', sensitive: true, store: 'memory' },
      { token: 'jwt-RS256', mode: 'repeated' },
    )
    add(
      'sensitive-redis',
      'tokenguard jwt RS256 sensitive, denylist RedisStore, repeated',
      { kind: 'tokenguard', strategy: 'jwt', sensitive: true, store: 'redis' },
      { token: 'jwt-RS256', mode: 'repeated' },
    )
    for (const peer of PEERS[framework]) {
      for (const mode of ['repeated', 'distinct']) {
        add(
          `peer-${peer.replace(/[@/]/g, '')}-${mode}`,
          `${PEER_LABEL[peer]} RS256, ${mode}`,
          { kind: peer },
          { token: 'jwt-RS256', mode },
        )
      }
    }
  }
  for (const row of rows) {
    row.impl = ['bare', 'tokenguard', 'handwritten'].includes(row.server.kind) ? row.server.kind : 'peer'
    row.alg = row.workload.token.startsWith('jwt-') ? row.workload.token.slice(4) : 'opaque'
  }
  return rows
}

/** --quick: every kind of scenario at least once (all of them on Express), enough to prove each works. */
const QUICK_IDS = new Set([
  ...[
    'bare',
    'jwt-RS256-repeated',
    'jwt-RS256-distinct',
    'hybrid-jwt-repeated',
    'opaque-cache-repeated',
    'opaque-nocache-distinct',
    'handwritten-distinct',
    'sensitive-memory',
    'sensitive-redis',
    'peer-express-jwt-distinct',
    'peer-express-oauth2-jwt-bearer-distinct',
  ].map((id) => `express/${id}`),
  ...['bare', 'jwt-RS256-repeated', 'peer-koa-jwt-repeated'].map((id) => `koa/${id}`),
  ...['bare', 'jwt-RS256-repeated', 'peer-fastifyjwt-repeated'].map((id) => `fastify/${id}`),
])

export function selectScenarios({ quick, only, profile }) {
  let rows = allScenarios()
  if (profile) return rows.filter((row) => row.id === profile)
  if (quick) rows = rows.filter((row) => QUICK_IDS.has(row.id))
  if (only) rows = rows.filter((row) => row.id.includes(only))
  return rows
}

// --- child processes ----------------------------------------------------------------------------

const children = new Set()
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})

/** Forks a module with a JSON config; resolves once it sends {type:'ready'}. Bounded. */
function start(module, config, { execArgv = [], cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(here, module), [JSON.stringify(config)], {
      execArgv,
      cwd,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    })
    children.add(child)
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
      if (stderr.length > 20_000) stderr = stderr.slice(-10_000)
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${module} did not start within 20 s: ${stderr}`))
    }, 20_000)
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

let nextId = 0
function ask(child, type, answerType = type, timeoutMs = 10_000) {
  const id = ++nextId
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage)
      reject(new Error(`no ${type} answer within ${timeoutMs} ms`))
    }, timeoutMs)
    const onMessage = (message) => {
      if (message.type !== answerType || message.id !== id) return
      clearTimeout(timer)
      child.off('message', onMessage)
      resolve(message)
    }
    child.on('message', onMessage)
    child.send({ type, id })
  })
}

function stop(child, timeoutMs = 5000) {
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

// --- load ---------------------------------------------------------------------------------------

function load(url, authorizations, mode, seconds, connections) {
  const base = { url, connections, duration: seconds, pipelining: 1, timeout: 10 }
  let instance
  if (mode === 'repeated') {
    instance = autocannon({ ...base, headers: { authorization: `Bearer ${authorizations[0]}` } })
  } else {
    // Every request takes the next token of the pool (cold for every library: pool > any cache).
    let i = Math.floor(Math.random() * authorizations.length)
    const pool = authorizations.map((token) => `Bearer ${token}`)
    instance = autocannon({
      ...base,
      requests: [
        {
          method: 'GET',
          setupRequest: (request) => {
            request.headers = { ...request.headers, authorization: pool[i++ % pool.length] }
            return request
          },
        },
      ],
    })
  }
  // autocannon stops itself after `duration`; this is a second bound in case a server hangs.
  const guard = setTimeout(() => instance.stop(), (seconds + 15) * 1000)
  return instance.then((result) => {
    clearTimeout(guard)
    return result
  })
}

// --- one scenario, one round --------------------------------------------------------------------

/** Starts a server; waits out a dist/ that a concurrent rebuild has just emptied (bounded: 60 s). */
async function startServer(config, options) {
  const deadline = Date.now() + 60_000
  for (;;) {
    try {
      return await start('lib/server.mjs', config, options)
    } catch (error) {
      if (!/ERR_MODULE_NOT_FOUND/.test(error.message) || Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 2000))
    }
  }
}

async function runOnce(row, ctx, { execArgv = ['--expose-gc'], cwd } = {}) {
  const server = await startServer(
    { ...row.server, issuer: ctx.issuer, audience: AUDIENCE, apiClient: API_CLIENT, redisUrl: ctx.redisUrl },
    { execArgv, cwd },
  )
  try {
    const url = `http://127.0.0.1:${server.port}/items`
    const tokens = ctx.tokens[row.workload.token][row.workload.mode]
    // Check the token is accepted before measuring anything: a bench of 401s would be worthless.
    const probe = await request(url, {
      headers: { authorization: `Bearer ${tokens[0]}` },
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    })
    const probeBody = await probe.body.text()
    if (probe.statusCode !== 200)
      throw new Error(`${row.id}: probe answered ${probe.statusCode} ${probeBody}`)
    if (opts.warmup > 0) await load(url, tokens, row.workload.mode, opts.warmup, opts.connections)
    const before = (await ask(ctx.aux, 'stats')).introspections
    const result = await load(url, tokens, row.workload.mode, opts.duration, opts.connections)
    const introspections = (await ask(ctx.aux, 'stats')).introspections - before
    const { memory } = await ask(server.child, 'memory')
    const ok = result['2xx']
    return {
      rps: ok / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests: result.requests.total,
      ok,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      // sent, not completed: requests still in flight when the run stops made their calls too.
      introspectionsPerRequest: result.requests.sent ? introspections / result.requests.sent : 0,
      rssMB: memory.rss / 2 ** 20,
      heapUsedMB: memory.heapUsed / 2 ** 20,
    }
  } finally {
    await stop(server.child)
  }
}

// --- statistics ---------------------------------------------------------------------------------

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const cv = (values) => {
  if (values.length < 2) return 0
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1))
  return mean ? sd / mean : 0
}

function aggregate(row, rounds) {
  const pick = (key) => median(rounds.map((r) => r[key]))
  return {
    id: row.id,
    scenario: row.scenario,
    framework: row.framework,
    impl: row.impl,
    alg: row.alg,
    workload: row.workload.mode,
    rps: pick('rps'),
    p50: pick('p50'),
    p99: pick('p99'),
    cv: cv(rounds.map((r) => r.rps)),
    rssMB: pick('rssMB'),
    heapUsedMB: pick('heapUsedMB'),
    introspectionsPerRequest: row.workload.token === 'opaque' ? pick('introspectionsPerRequest') : undefined,
    non2xx: rounds.reduce((a, r) => a + r.non2xx, 0),
    errors: rounds.reduce((a, r) => a + r.errors, 0),
    rounds: rounds.map((r) => ({ rps: r.rps, p50: r.p50, p99: r.p99, rssMB: r.rssMB })),
  }
}

function addRatios(results) {
  for (const row of results) {
    if (row.skipped) continue
    const bare = results.find((r) => r.framework === row.framework && r.impl === 'bare' && !r.skipped)
    row.ratioToBare = bare ? row.rps / bare.rps : undefined
    // The best peer on this framework for the same token kind and workload (peers run RS256 only).
    const peers = results.filter(
      (r) =>
        r.framework === row.framework &&
        r.impl === 'peer' &&
        !r.skipped &&
        r.alg === row.alg &&
        r.workload === row.workload,
    )
    const best = peers.length ? Math.max(...peers.map((r) => r.rps)) : undefined
    row.ratioToBestPeer = best && row.impl !== 'bare' ? row.rps / best : undefined
  }
}

// --- targets (issue 8) --------------------------------------------------------------------------

function targets(results, propagation) {
  const get = (framework, id) => results.find((r) => r.id === `${framework}/${id}` && !r.skipped)
  const out = []
  const check = (target, framework, a, b, bound, what) => {
    if (!a || !b) return
    const ratio = a.rps / b.rps
    out.push({
      target,
      framework,
      detail: what,
      value: ratio,
      bound,
      met: ratio >= bound,
      margin: ratio / bound - 1,
    })
  }
  for (const fw of ['express', 'koa', 'fastify']) {
    for (const alg of ['RS256', 'ES256'])
      check(
        'jwt repeated >= 0.85x bare',
        fw,
        get(fw, `jwt-${alg}-repeated`),
        get(fw, 'bare'),
        0.85,
        `jwt ${alg} repeated / bare`,
      )
    const peers = results.filter(
      (r) => r.framework === fw && r.impl === 'peer' && r.workload === 'distinct' && !r.skipped,
    )
    const best = peers.sort((a, b) => b.rps - a.rps)[0]
    if (best)
      check(
        'jwt distinct >= 1.3x best peer',
        fw,
        get(fw, 'jwt-RS256-distinct'),
        best,
        1.3,
        `jwt RS256 distinct / ${best.id.split('/')[1]}`,
      )
    check(
      'opaque cached >= 0.85x bare',
      fw,
      get(fw, 'opaque-cache-repeated'),
      get(fw, 'bare'),
      0.85,
      'opaque cache on / bare',
    )
    for (const mode of ['repeated', 'distinct'])
      check(
        'opaque no-cache >= 0.9x hand-written',
        fw,
        get(fw, `opaque-nocache-${mode}`),
        get(fw, `handwritten-${mode}`),
        0.9,
        `${mode} tokens`,
      )
    for (const store of ['memory', 'redis'])
      check(
        'sensitive >= 0.95x non-sensitive',
        fw,
        get(fw, `sensitive-${store}`),
        get(fw, 'jwt-RS256-repeated'),
        0.95,
        `${store} store / jwt RS256 repeated`,
      )
  }
  if (propagation && !propagation.skipped) {
    out.push({
      target: 'propagation p99 < 50 ms',
      framework: 'express',
      detail: `${propagation.count} revocations`,
      value: propagation.p99,
      bound: 50,
      met: propagation.p99 < 50,
      margin: 1 - propagation.p99 / 50,
    })
  }
  return out
}

// --- output -------------------------------------------------------------------------------------

const fmt = (value, digits = 2) =>
  value === undefined || value === null || Number.isNaN(value) ? '–' : value.toFixed(digits)
const int = (value) => (value === undefined ? '–' : Math.round(value).toLocaleString('en-US'))

export function renderTable(results) {
  const header = [
    'scenario',
    'framework',
    'req/s',
    'p50 ms',
    'p99 ms',
    '× bare',
    '× best peer',
    'CV',
    'RSS MB',
    'AS calls/req',
  ]
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((h, i) => (i < 2 ? '---' : '---:')).join('|')}|`]
  for (const r of results) {
    if (r.skipped) {
      lines.push(`| ${r.scenario} | ${r.framework} | skipped: ${r.skipped} | | | | | | | |`)
      continue
    }
    const flagged = r.non2xx || r.errors ? ` ⚠ ${r.non2xx} non-2xx, ${r.errors} errors` : ''
    lines.push(
      `| ${r.scenario}${flagged} | ${r.framework} | ${int(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.ratioToBare)} | ${fmt(r.ratioToBestPeer)} | ${fmt(r.cv * 100, 1)}% | ${fmt(r.rssMB, 0)} | ${r.introspectionsPerRequest === undefined ? '' : fmt(r.introspectionsPerRequest, 3)} |`,
    )
  }
  return lines.join('\n')
}

function renderTargets(list) {
  return list
    .map((t) => {
      const value = t.target.startsWith('propagation') ? `${fmt(t.value)} ms` : `${fmt(t.value)}×`
      const margin = `${t.margin >= 0 ? '+' : ''}${fmt(t.margin * 100, 0)}%`
      return `- ${t.met ? 'met    ' : 'NOT met'} ${t.target} [${t.framework}] ${t.detail}: ${value} (bound ${t.bound}, ${margin})`
    })
    .join('\n')
}

// --- main ---------------------------------------------------------------------------------------

async function main() {
  const hardLimit = setTimeout(() => {
    console.error(`bench: hard time limit (${HARD_LIMIT_MS / 1000} s) reached`)
    process.exit(2)
  }, HARD_LIMIT_MS)
  hardLimit.unref()
  const startedAt = Date.now()
  const loadAtStart = os.loadavg()
  const scenarios = selectScenarios(opts)
  if (scenarios.length === 0) throw new Error('no scenario selected')
  const log = (...args) =>
    console.log(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)}s]`, ...args)

  // The authorization server side: metadata, JWKS, introspection (1 ms).
  const { keys, jwks } = await createKeys()
  const aux = await start('lib/aux-server.mjs', {
    jwks,
    introspectionDelayMs: 1,
    apiClient: API_CLIENT,
    audience: AUDIENCE,
    opaquePrefix: OPAQUE_PREFIX,
  })
  const issuer = aux.issuer

  // Tokens: one repeated per kind, and pools of distinct ones (only those the selected scenarios use).
  const needed = new Set(scenarios.map((s) => `${s.workload.token}:${s.workload.mode}`))
  const tokens = {}
  for (const kind of ['jwt-RS256', 'jwt-ES256', 'opaque']) {
    tokens[kind] = {}
    const alg = kind.slice(4)
    tokens[kind].repeated = [kind === 'opaque' ? opaqueToken() : await signToken(keys[alg], alg, issuer, 0)]
    if (needed.has(`${kind}:distinct`)) {
      const t = Date.now()
      tokens[kind].distinct =
        kind === 'opaque'
          ? Array.from({ length: opts.pool }, opaqueToken)
          : await signPool(keys[alg], alg, issuer, opts.pool)
      log(`signed ${opts.pool} distinct ${kind} tokens in ${((Date.now() - t) / 1000).toFixed(1)} s`)
    }
  }

  // Redis: REDIS_URL, else a redis-server child from @tokenguard/test-support, else skip those rows.
  let redis
  let redisNote
  const wantsRedis = scenarios.some((s) => s.server.store === 'redis') || (!opts.profile && !opts.only)
  if (wantsRedis) {
    try {
      const { tsImport } = await import('tsx/esm/api')
      const { startRedis } = await tsImport('@tokenguard/test-support/src/redis-server.ts', import.meta.url)
      redis = await startRedis()
    } catch (error) {
      redisNote = `Redis rows skipped: neither REDIS_URL nor a usable redis-server on PATH (${error.message.split('\n')[0]})`
      console.log(`NOTE: ${redisNote}`)
    }
  }
  const ctx = { aux: aux.child, issuer, tokens, redisUrl: redis?.url }

  // --profile: one scenario, once, with --cpu-prof on the server child.
  if (opts.profile) {
    const row = scenarios[0]
    if (!row)
      throw new Error(
        `--profile: no scenario ${opts.profile}; ids: ${allScenarios()
          .map((s) => s.id)
          .join(', ')}`,
      )
    const dir = path.join(here, 'results', 'profiles')
    fs.mkdirSync(dir, { recursive: true })
    const before = new Set(fs.readdirSync(dir))
    const stats = await runOnce(row, ctx, {
      execArgv: ['--expose-gc', '--cpu-prof', `--cpu-prof-dir=${dir}`],
    })
    const file = fs.readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.cpuprofile'))
    console.log(
      `${row.id}: ${int(stats.rps)} req/s, p50 ${fmt(stats.p50, 1)} ms, p99 ${fmt(stats.p99, 1)} ms, ${stats.non2xx} non-2xx`,
    )
    console.log(`profile: ${path.join(dir, file)}\n`)
    console.log(
      summarizeProfile(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')), {
        top: Number(option('top', 30)),
      }),
    )
    await stop(aux.child)
    await redis?.stop()
    return
  }

  log(
    `${scenarios.length} scenarios × ${opts.rounds} round(s) × ${opts.duration} s (+${opts.warmup} s warm-up), ${opts.connections} connections`,
  )
  const perRow = new Map(scenarios.map((s) => [s.id, []]))
  const skipped = new Map()
  const failures = []
  for (let round = 1; round <= opts.rounds; round++) {
    // Rounds interleave scenarios (round 1 of every scenario, then round 2, …): drift hits all alike.
    for (const row of scenarios) {
      if (row.server.store === 'redis' && !redis) {
        skipped.set(row.id, redisNote)
        continue
      }
      let stats
      try {
        stats = await runOnce(row, ctx)
      } catch (error) {
        // Recorded and reported (the run then exits 1); the other scenarios still run.
        failures.push({ id: row.id, round, error: error.message.slice(0, 2000) })
        log(`round ${round}/${opts.rounds} ${row.id}: FAILED ${error.message.split('\n')[0]}`)
        continue
      }
      perRow.get(row.id).push(stats)
      log(
        `round ${round}/${opts.rounds} ${row.id.padEnd(48)} ${int(stats.rps).padStart(7)} req/s  p50 ${fmt(stats.p50, 1)}  p99 ${fmt(stats.p99, 1)} ms${stats.non2xx || stats.errors ? `  ⚠ ${stats.non2xx} non-2xx ${stats.errors} errors` : ''}`,
      )
    }
  }

  let propagation
  if (!opts.only) {
    if (!redis) propagation = { skipped: redisNote }
    else {
      log(`revocation propagation: ${opts.revocations} revocations`)
      try {
        propagation = await measurePropagation({
          start: (module, config) => startServer(config),
          stop,
          issuer,
          redisUrl: redis.url,
          keys,
          count: opts.revocations,
        })
      } catch (error) {
        failures.push({ id: 'propagation', round: 1, error: error.message.slice(0, 2000) })
        propagation = { skipped: `FAILED: ${error.message.split('\n')[0]}` }
      }
    }
  }

  for (const row of scenarios) {
    if (!skipped.has(row.id) && perRow.get(row.id).length === 0)
      skipped.set(row.id, 'FAILED in every round (see failures)')
  }
  const results = scenarios.map((row) =>
    skipped.has(row.id)
      ? {
          id: row.id,
          scenario: row.scenario,
          framework: row.framework,
          impl: row.impl,
          alg: row.alg,
          workload: row.workload.mode,
          skipped: skipped.get(row.id),
        }
      : aggregate(row, perRow.get(row.id)),
  )
  addRatios(results)
  const measured = results.filter((r) => !r.skipped)
  const noise = {
    medianCV: median(measured.map((r) => r.cv)),
    maxCV: Math.max(...measured.map((r) => r.cv)),
    note:
      opts.rounds < 2
        ? 'one round: no coefficient of variation'
        : 'CV = stdev/mean of req/s across rounds, per scenario',
  }
  const goals = targets(results, propagation)
  const machine = {
    date: new Date().toISOString(),
    node: process.version,
    nproc: Number(execFileSync('nproc').toString().trim()),
    cpu: os.cpus()[0]?.model,
    loadavg: loadAtStart,
    loadavgAtEnd: os.loadavg(),
  }
  const report = {
    machine,
    options: { ...opts, out: undefined },
    results,
    propagation,
    noise,
    targets: goals,
    failures,
    redis: redis ? (process.env.REDIS_URL ? 'REDIS_URL' : 'redis-server child') : redisNote,
  }
  fs.mkdirSync(path.dirname(opts.out), { recursive: true })
  fs.writeFileSync(opts.out, JSON.stringify(report, null, 2) + '\n')

  console.log(
    `\n${machine.date}  node ${machine.node}  nproc ${machine.nproc}  ${machine.cpu ?? ''}  load average at start ${machine.loadavg.map((l) => l.toFixed(1)).join(' ')}, at end ${machine.loadavgAtEnd.map((l) => l.toFixed(1)).join(' ')}`,
  )
  console.log(
    `${opts.rounds} round(s) × ${opts.duration} s per scenario, ${opts.connections} connections, distinct pool ${opts.pool} tokens; medians across rounds\n`,
  )
  console.log(renderTable(results))
  if (propagation) {
    console.log(
      propagation.skipped
        ? `\nrevocation propagation: skipped (${propagation.skipped})`
        : `\nrevocation propagation (Redis, ${propagation.count} revocations, A=in-process validator, B=Express server): p50 ${fmt(propagation.p50)} ms, p99 ${fmt(propagation.p99)} ms, max ${fmt(propagation.max)} ms`,
    )
  }
  console.log(
    `\nnoise: median CV ${fmt(noise.medianCV * 100, 1)}%, max CV ${fmt(noise.maxCV * 100, 1)}% (${noise.note}); load generator, servers and the authorization server share ${machine.nproc} CPU(s)`,
  )
  if (goals.length) console.log(`\ntargets (issue 8):\n${renderTargets(goals)}`)
  const bad = measured.filter((r) => r.non2xx || r.errors)
  if (bad.length) console.log(`\nWARNING: non-2xx answers or errors in: ${bad.map((r) => r.id).join(', ')}`)
  console.log(
    `\nwritten: ${path.relative(process.cwd(), opts.out)}  (${((Date.now() - startedAt) / 1000).toFixed(0)} s)`,
  )

  await stop(aux.child)
  await redis?.stop()
  // A row that answered anything but 200 measured the wrong thing: fail the run.
  if (failures.length)
    console.log(`\nFAILED: ${failures.map((f) => `${f.id} (round ${f.round})`).join(', ')}`)
  process.exitCode = bad.length || failures.length ? 1 : 0
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
