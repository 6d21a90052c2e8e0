// Revocation propagation: two validators on one Redis. A (this process) revokes; B (an Express
// server child, tokenguard jwt route marked sensitive, RedisStore) must start refusing. For each
// token: B accepts it, `await A.revoke(token)`, then B is polled back to back until it answers 401
// (bounded: 2 s per token). The time is from revoke() resolving to B's first 401, so it includes
// one HTTP round trip to B (~0.1–0.3 ms on loopback) as measurement granularity.
import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import { Redis } from 'ioredis'
import { createValidator } from '@tokenguard/core'
import { RedisStore } from '@tokenguard/redis'
import { API_CLIENT, AUDIENCE, signToken } from './tokens.mjs'

const POLL_BOUND_MS = 2000

export async function measurePropagation({ start, stop, issuer, redisUrl, keys, count }) {
  const b = await start('lib/server.mjs', {
    framework: 'express',
    kind: 'tokenguard',
    strategy: 'jwt',
    sensitive: true,
    store: 'redis',
    issuer,
    audience: AUDIENCE,
    apiClient: API_CLIENT,
    redisUrl,
  })
  const redisA = new Redis(redisUrl)
  const store = new RedisStore(redisA)
  const a = createValidator({ issuer, audience: AUDIENCE, jwt: { algorithms: ['RS256', 'ES256'] }, store })
  const pool = new Pool(`http://127.0.0.1:${b.port}`, { connections: 1 })
  const get = async (token) => {
    const { statusCode, body } = await pool.request({
      path: '/items',
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
    })
    await body.dump()
    return statusCode
  }
  const times = []
  let timeouts = 0
  try {
    await a.ready()
    const tokens = []
    for (let n = 0; n < count; n++) tokens.push(await signToken(keys.ES256, 'ES256', issuer, 1_000_000 + n))
    for (const token of tokens) {
      const before = await get(token)
      if (before !== 200) throw new Error(`propagation: B answered ${before} before the revocation`)
      await a.revoke(token)
      const revokedAt = performance.now()
      let refusedAfter
      while (performance.now() - revokedAt < POLL_BOUND_MS) {
        const status = await get(token)
        if (status === 401) {
          refusedAfter = performance.now() - revokedAt
          break
        }
        if (status !== 200) throw new Error(`propagation: B answered ${status} while polling`)
      }
      if (refusedAfter === undefined) timeouts++
      else times.push(refusedAfter)
    }
  } finally {
    await pool.close()
    await a.close()
    await store.close?.()
    redisA.disconnect()
    await stop(b.child)
  }
  const sorted = [...times].sort((x, y) => x - y)
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
  return {
    count,
    refused: times.length,
    timeouts,
    boundMs: POLL_BOUND_MS,
    p50: at(50),
    p99: timeouts ? Infinity : at(99),
    max: timeouts ? Infinity : sorted.at(-1),
    mean: times.reduce((x, y) => x + y, 0) / (times.length || 1),
  }
}
