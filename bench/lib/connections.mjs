// Latency by number of connections at a fixed offered load: each wrk connection waits
// `connections × 1000 / rate` ms between requests, so the total offered rate stays near `rate`
// while the connection count grows from 1 to 256. p50/p99 then show what concurrency alone costs.
import { ask, cpus, startServer, stop } from './children.mjs'
import { load } from './load.mjs'
import { API_CLIENT, AUDIENCE } from './tokens.mjs'

export async function connectionSweep({ frameworks, counts, rate, seconds, ctx }) {
  const rows = []
  for (const framework of frameworks) {
    const server = await startServer(
      {
        framework,
        kind: 'tokenguard',
        strategy: 'jwt',
        issuer: ctx.issuer,
        audience: AUDIENCE,
        apiClient: API_CLIENT,
      },
      { execArgv: ['--expose-gc'], cpu: cpus?.server },
    )
    try {
      const url = `http://127.0.0.1:${server.port}/items`
      const tokens = ctx.tokens['jwt-RS256'].repeated
      await load(url, tokens, { seconds: 1, connections: 16 })
      for (const connections of counts) {
        const delayMs = Math.max(1, Math.round((connections * 1000) / rate))
        const before = await ask(server.child, 'mark')
        const r = await load(url, tokens, { seconds, connections, delayMs })
        const after = await ask(server.child, 'mark')
        const served = after.served - before.served
        const cpu = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system
        rows.push([
          framework,
          connections,
          r.rps,
          served ? cpu / served : NaN,
          r.p50,
          r.p99,
          r.non2xx + r.errors,
        ])
      }
    } finally {
      await stop(server.child)
    }
  }
  return {
    title: `Connections: tokenguard jwt RS256 repeated at ≈${rate} req/s offered`,
    note: `${seconds} s per point; wrk delays each connection's next request so the offered rate stays fixed`,
    header: ['framework', 'connections', 'req/s', 'CPU µs/req', 'p50 ms', 'p99 ms', 'failed'],
    rows,
  }
}
