// One HTTP scenario, one round: a fresh server child (pinned to the server CPU), a probe that must
// answer 200, a warm-up, then a measured wrk run bracketed by two marks of the server's own CPU
// time and request count: server CPU µs per request is the headline figure, beside req/s.
import { request } from 'undici'
import { ask, cpus, startServer, stop } from './children.mjs'
import { GENERATOR_SATURATED, load } from './load.mjs'
import { cv, median } from './stats.mjs'
import { API_CLIENT, AUDIENCE } from './tokens.mjs'

const cpuMicros = (mark) => mark.cpu.user + mark.cpu.system

export async function runOnce(row, ctx, opts, { execArgv = ['--expose-gc'] } = {}) {
  const server = await startServer(
    { ...row.server, issuer: ctx.issuer, audience: AUDIENCE, apiClient: API_CLIENT, redisUrl: ctx.redisUrl },
    { execArgv, cpu: cpus?.server },
  )
  try {
    const url = `http://127.0.0.1:${server.port}/items`
    const tokens = ctx.tokens[row.workload.token][row.workload.mode]
    // A bench of 401s would be worthless: the server must accept the token before anything is measured.
    const probe = await request(url, {
      headers: { authorization: `Bearer ${tokens[0]}` },
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    })
    const probeBody = await probe.body.text()
    if (probe.statusCode !== 200)
      throw new Error(`${row.id}: probe answered ${probe.statusCode} ${probeBody}`)
    const shape = { connections: opts.connections }
    if (opts.warmup > 0) await load(url, tokens, { ...shape, seconds: opts.warmup })
    const introspectionsBefore = (await ask(ctx.aux, 'stats')).introspections
    const before = await ask(server.child, 'mark')
    const result = await load(url, tokens, { ...shape, seconds: opts.duration })
    const after = await ask(server.child, 'mark')
    const introspections = (await ask(ctx.aux, 'stats')).introspections - introspectionsBefore
    const { memory } = await ask(server.child, 'memory')
    const served = after.served - before.served
    const wallS = Number(BigInt(after.at) - BigInt(before.at)) / 1e9
    const serverCpuUs = cpuMicros(after) - cpuMicros(before)
    return {
      rps: result.rps,
      cpuPerRequest: served ? serverCpuUs / served : undefined,
      serverBusy: serverCpuUs / 1e6 / wallS,
      generatorBusy: result.generatorBusy,
      p50: result.p50,
      p99: result.p99,
      requests: result.requests,
      non2xx: result.non2xx,
      errors: result.errors,
      introspectionsPerRequest: served ? introspections / served : 0,
      rssMB: memory.rss / 2 ** 20,
      heapUsedMB: memory.heapUsed / 2 ** 20,
    }
  } finally {
    await stop(server.child)
  }
}

export function aggregate(row, rounds) {
  const pick = (key) => median(rounds.map((r) => r[key]))
  const generatorBusy = Math.max(...rounds.map((r) => r.generatorBusy))
  return {
    id: row.id,
    scenario: row.scenario,
    framework: row.framework,
    impl: row.impl,
    alg: row.alg,
    workload: row.workload.mode,
    rps: pick('rps'),
    cpuPerRequest: pick('cpuPerRequest'),
    p50: pick('p50'),
    p99: pick('p99'),
    cv: cv(rounds.map((r) => r.rps)),
    cpuCv: cv(rounds.map((r) => r.cpuPerRequest)),
    serverBusy: pick('serverBusy'),
    generatorBusy,
    generatorSaturated: generatorBusy >= GENERATOR_SATURATED,
    rssMB: pick('rssMB'),
    heapUsedMB: pick('heapUsedMB'),
    introspectionsPerRequest: row.workload.token === 'opaque' ? pick('introspectionsPerRequest') : undefined,
    non2xx: rounds.reduce((a, r) => a + r.non2xx, 0),
    errors: rounds.reduce((a, r) => a + r.errors, 0),
    rounds: rounds.map((r) => ({ rps: r.rps, cpuPerRequest: r.cpuPerRequest, p50: r.p50, p99: r.p99 })),
  }
}

/** Ratios against the bare framework, the hook floor (same workload) and the best peer. */
export function addRatios(results) {
  const live = results.filter((r) => !r.skipped)
  for (const row of live) {
    const same = (impl) =>
      live.find((r) => r.framework === row.framework && r.impl === impl && r.workload === row.workload)
    const bare = same('bare')
    const floor = same('floor')
    row.rpsToBare = bare ? row.rps / bare.rps : undefined
    // CPU per request of the floor over ours: 1.00 = costs no more than the cheapest possible hook.
    row.cpuToFloor = floor && row.impl !== 'bare' ? floor.cpuPerRequest / row.cpuPerRequest : undefined
    const peers = live.filter(
      (r) =>
        r.framework === row.framework &&
        r.impl === 'peer' &&
        r.alg === row.alg &&
        r.workload === row.workload,
    )
    const best = peers.length ? Math.max(...peers.map((r) => r.rps)) : undefined
    row.rpsToBestPeer = best && row.impl !== 'bare' && row.impl !== 'floor' ? row.rps / best : undefined
  }
}
