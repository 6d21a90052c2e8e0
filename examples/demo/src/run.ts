/**
 * The tokenguard tour (entry: tour.ts): a real authorization server (oidc-provider, in-process on 127.0.0.1), the
 * Express, Koa and Fastify example apps (in-process, port 0), and a scripted walk through what they
 * answer. Prints one table row per step; exits 0 only when every step answered as expected.
 *
 *   npx -y pnpm@10 demo            (from the repository root; builds what it needs first)
 *   REDIS_URL=redis://… pnpm demo  (the apps then share a RedisStore)
 *
 * Everything here uses the public API: createApp() of each example, the validator it exposes
 * (`revoke`, `close`) and the validator's `onEvent` feed.
 */
import { SignJWT, decodeJwt, decodeProtectedHeader, importJWK } from 'jose'
import {
  API_CLIENT,
  JWT_RESOURCE,
  OPAQUE_RESOURCE,
  startAuthServer,
  type AuthServer,
} from '@tokenguard/test-support'
import { createApp as createExpressApp } from '@tokenguard/example-express'
import { createApp as createKoaApp } from '@tokenguard/example-koa'
import { createApp as createFastifyApp } from '@tokenguard/example-fastify'
import type { TokenEvent, Validator } from '@tokenguard/express'
import { renderTable, type Row } from './table.js'

type Framework = 'express' | 'koa' | 'fastify'

/** What the tour needs from a running example app. */
interface RunningApp {
  framework: Framework
  url: string
  validator: Validator
  /** Every event of this app's validator, in order (the tour reads counts and reasons from it). */
  events: TokenEvent[]
  close(): Promise<void>
}

/** One HTTP exchange, reduced to what the table shows. */
interface Answer {
  status: number
  body: Record<string, unknown>
  challenge: string | null
}

interface StepContext {
  as: AuthServer
  app: RunningApp
  call(method: 'GET' | 'POST', path: string, token?: string): Promise<Answer>
  /** Events this app emitted since the step began. */
  since(): TokenEvent[]
  /** Introspection calls this app has made so far. */
  introspections(): number
}

interface Step {
  name: string
  request: string
  expect: number
  /** `all`: run on every framework; `express`: only in the full tour. */
  on: 'all' | 'express'
  /** Runs the step: the answer, one line saying what it means, and `ok: false` when a side check failed. */
  run(ctx: StepContext, tokens: Tokens): Promise<{ answer: Answer; meaning: string; ok?: boolean }>
}

/** The tokens one framework's tour uses (fresh per framework: revocations must not leak across). */
interface Tokens {
  jwt: string
  opaque: string
  jwtNoItems: string
  opaquePay: string
  jwtPay: string
  expired: string
  tampered: string
}

const reasons = (events: TokenEvent[]) =>
  events.flatMap((e) =>
    e.type === 'rejected' ? [e.reason] : e.type === 'denylist_hit' ? [`denylist hit by ${e.by}`] : [],
  )

const STEPS: Step[] = [
  {
    name: 'public route',
    request: 'GET /public (no token)',
    expect: 200,
    on: 'express',
    run: async ({ call }) => ({ answer: await call('GET', '/public'), meaning: 'no token needed' }),
  },
  {
    name: 'no token',
    request: 'GET /items (no token)',
    expect: 401,
    on: 'express',
    run: async ({ call }) => {
      const answer = await call('GET', '/items')
      return { answer, meaning: `challenge: ${answer.challenge}` }
    },
  },
  {
    name: 'JWT, verified locally',
    request: 'GET /items (JWT, items:read)',
    expect: 200,
    on: 'all',
    run: async ({ call, introspections }, t) => {
      const before = introspections()
      const answer = await call('GET', '/items', t.jwt)
      const calls = introspections() - before
      return {
        answer,
        meaning: `strategy=${String(answer.body.strategy)}, ${calls} introspection calls: verified in-process`,
        ok: calls === 0,
      }
    },
  },
  {
    name: 'opaque, introspected',
    request: 'GET /orders (opaque)',
    expect: 200,
    on: 'all',
    run: async ({ call, introspections }, t) => {
      const before = introspections()
      const answer = await call('GET', '/orders', t.opaque)
      const after = introspections()
      return {
        answer,
        meaning: `strategy=${String(answer.body.strategy)}, introspection calls ${before} -> ${after}`,
        ok: after === before + 1,
      }
    },
  },
  {
    name: 'opaque, from the cache',
    request: 'GET /orders (same opaque)',
    expect: 200,
    on: 'all',
    run: async ({ call, introspections, since }, t) => {
      const before = introspections()
      const answer = await call('GET', '/orders', t.opaque)
      const after = introspections()
      const hit = since().some((e) => e.type === 'cache_hit')
      return {
        answer,
        meaning: `introspection calls ${before} -> ${after}${hit ? ', cache hit' : ''}`,
        ok: after === before,
      }
    },
  },
  {
    name: 'hybrid takes a JWT',
    request: 'GET /profile (JWT)',
    expect: 200,
    on: 'express',
    run: async ({ call }, t) => {
      const answer = await call('GET', '/profile', t.jwt)
      return { answer, meaning: `strategy=${String(answer.body.strategy)}: JWS shape, verified locally` }
    },
  },
  {
    name: 'hybrid takes an opaque',
    request: 'GET /profile (opaque)',
    expect: 200,
    on: 'express',
    run: async ({ call }, t) => {
      const answer = await call('GET', '/profile', t.opaque)
      return { answer, meaning: `strategy=${String(answer.body.strategy)}: not a JWS, introspected` }
    },
  },
  {
    name: 'missing scope',
    request: 'GET /items (JWT, profile:read only)',
    expect: 403,
    on: 'all',
    run: async ({ call }, t) => {
      const answer = await call('GET', '/items', t.jwtNoItems)
      return {
        answer,
        meaning: `WWW-Authenticate: ${answer.challenge}`,
        ok: /insufficient_scope/.test(answer.challenge ?? ''),
      }
    },
  },
  {
    name: 'sensitive, opaque',
    request: 'POST /payments (opaque, payments:write)',
    expect: 200,
    on: 'express',
    run: async ({ call }, t) => {
      const answer = await call('POST', '/payments', t.opaquePay)
      return {
        answer,
        meaning: `strategy=${String(answer.body.strategy)}: introspected fresh, never from the cache`,
      }
    },
  },
  {
    name: 'opaque revoked at the AS',
    request: 'RFC 7009 revoke, then POST /payments',
    expect: 401,
    on: 'all',
    run: async ({ as, call, since }, t) => {
      const before = await call('POST', '/payments', t.opaquePay) // accepted until the revocation
      await as.revoke(t.opaquePay)
      const answer = await call('POST', '/payments', t.opaquePay)
      return {
        answer,
        meaning: `${before.status} before, refused right after (${reasons(since()).join(', ')})`,
        ok: before.status === 200,
      }
    },
  },
  {
    name: 'sensitive, JWT',
    request: 'POST /payments (JWT, payments:write)',
    expect: 200,
    on: 'express',
    run: async ({ call }, t) => {
      const answer = await call('POST', '/payments', t.jwtPay)
      return {
        answer,
        meaning: `strategy=${String(answer.body.strategy)}: verified locally, not on the denylist`,
      }
    },
  },
  {
    name: 'JWT on the denylist',
    request: 'validator.revoke(jwt), then POST /payments',
    expect: 401,
    on: 'all',
    run: async ({ app, call, since }, t) => {
      const before = await call('POST', '/payments', t.jwtPay) // accepted until the revocation
      await app.validator.revoke(t.jwtPay)
      const answer = await call('POST', '/payments', t.jwtPay)
      return {
        answer,
        meaning: `${before.status} before, refused right after (${reasons(since()).join(', ')})`,
        ok: before.status === 200,
      }
    },
  },
  {
    name: 'denylisted JWT, normal route',
    request: 'GET /items (the same JWT)',
    expect: 200,
    on: 'all',
    run: async ({ call }, t) => {
      const answer = await call('GET', '/items', t.jwtPay)
      return { answer, meaning: 'still accepted: only sensitive routes check the denylist' }
    },
  },
  {
    name: 'expired JWT',
    request: 'GET /items (JWT, exp 50 min ago)',
    expect: 401,
    on: 'express',
    run: async ({ call, since }, t) => {
      const answer = await call('GET', '/items', t.expired)
      return {
        answer,
        meaning: `refused (${reasons(since()).join(', ')}; the client only sees invalid_token)`,
      }
    },
  },
  {
    name: 'tampered JWT',
    request: 'GET /items (one payload char flipped)',
    expect: 401,
    on: 'all',
    run: async ({ call, since }, t) => {
      const answer = await call('GET', '/items', t.tampered)
      return { answer, meaning: `refused (${reasons(since()).join(', ')})` }
    },
  },
]

/** Fresh tokens for one framework's tour, from the real authorization server. */
async function mintTokens(as: AuthServer): Promise<Tokens> {
  const [jwt, opaque, jwtNoItems, opaquePay, jwtPay] = await Promise.all([
    as.getToken('jwt', 'items:read profile:read'),
    as.getToken('opaque', 'items:read profile:read'),
    as.getToken('jwt', 'profile:read'),
    as.getToken('opaque', 'payments:write'),
    as.getToken('jwt', 'items:read payments:write'),
  ])
  return { jwt, opaque, jwtNoItems, opaquePay, jwtPay, expired: await expire(as, jwt), tampered: tamper(jwt) }
}

/** The same JWT an hour later: re-signed with the server's own key, issued 60 and expired 50 minutes ago. */
async function expire(as: AuthServer, jwt: string): Promise<string> {
  const header = decodeProtectedHeader(jwt)
  const now = Math.floor(Date.now() / 1000)
  const key = await importJWK(as.keys[0]!, header.alg)
  return new SignJWT({ ...decodeJwt(jwt), iat: now - 3600, exp: now - 3000 })
    .setProtectedHeader({ alg: header.alg!, kid: header.kid!, typ: header.typ! })
    .sign(key)
}

/** Flips one character in the middle of the payload: the signature no longer matches. */
function tamper(jwt: string): string {
  const [header, payload, signature] = jwt.split('.') as [string, string, string]
  const i = Math.floor(payload.length / 2)
  const flipped = payload[i] === 'A' ? 'B' : 'A'
  return `${header}.${payload.slice(0, i)}${flipped}${payload.slice(i + 1)}.${signature}`
}

async function startApp(framework: Framework, as: AuthServer): Promise<RunningApp> {
  const events: TokenEvent[] = []
  const config = {
    issuer: as.issuer,
    audience: [JWT_RESOURCE, OPAQUE_RESOURCE],
    clientId: API_CLIENT.id,
    clientSecret: API_CLIENT.secret,
    algorithms: ['RS256'],
    ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
    onEvent: (event: TokenEvent) => events.push(event),
  }
  const create = { express: createExpressApp, koa: createKoaApp, fastify: createFastifyApp }[framework]
  const app = create(config)
  const url = await app.listen(0, '127.0.0.1')
  return { framework, url, validator: app.validator, events, close: () => app.close() }
}

async function call(base: string, method: 'GET' | 'POST', path: string, token?: string): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(5000),
  })
  const text = await res.text()
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    challenge: res.headers.get('www-authenticate'),
  }
}

async function tour(as: AuthServer, app: RunningApp, full: boolean): Promise<Row[]> {
  const tokens = await mintTokens(as)
  const rows: Row[] = []
  for (const step of STEPS) {
    if (!full && step.on !== 'all') continue
    const mark = app.events.length
    const ctx: StepContext = {
      as,
      app,
      call: (method, path, token) => call(app.url, method, path, token),
      since: () => app.events.slice(mark),
      introspections: () => app.events.filter((e) => e.type === 'introspection').length,
    }
    let row: Row
    try {
      const { answer, meaning, ok = true } = await step.run(ctx, tokens)
      row = {
        step: step.name,
        framework: app.framework,
        request: step.request,
        status: answer.status,
        expected: step.expect,
        passed: ok && answer.status === step.expect,
        meaning,
      }
    } catch (error) {
      row = {
        step: step.name,
        framework: app.framework,
        request: step.request,
        status: 0,
        expected: step.expect,
        passed: false,
        meaning: `step failed: ${(error as Error).message}`,
      }
    }
    rows.push(row)
  }
  return rows
}

async function main(): Promise<number> {
  const full = process.argv.includes('--full') // the full tour on every framework, not only Express
  const as = await startAuthServer()
  const apps: RunningApp[] = []
  try {
    for (const framework of ['express', 'koa', 'fastify'] as const) apps.push(await startApp(framework, as))
    console.log(
      `\nAuthorization server  ${as.issuer}  (oidc-provider in-process; JWT and opaque access tokens)`,
    )
    for (const app of apps) console.log(`${app.framework.padEnd(21)} ${app.url}`)
    console.log(
      `Denylist store        ${process.env.REDIS_URL ? `RedisStore (${process.env.REDIS_URL})` : 'in-memory (set REDIS_URL for RedisStore)'}\n`,
    )

    const rows: Row[] = []
    for (const app of apps) rows.push(...(await tour(as, app, full || app.framework === 'express')))
    console.log(renderTable(rows))

    const failed = rows.filter((row) => !row.passed)
    console.log(
      failed.length === 0
        ? `\nAll ${rows.length} steps answered as expected (full tour on Express; ${full ? 'full tour' : 'cross-check'} on Koa and Fastify).`
        : `\n${failed.length} of ${rows.length} steps did NOT answer as expected: ${failed.map((r) => `${r.framework}/${r.step}`).join('; ')}`,
    )
    return failed.length === 0 ? 0 : 1
  } finally {
    // Leave nothing behind: servers, validators (timers, pools), Redis connections, the provider.
    await Promise.allSettled(apps.map((app) => app.close()))
    await as.stop()
  }
}

// Bounded: a hung step must not hang the demo (or CI).
const watchdog = setTimeout(() => {
  console.error('tour: still running after 60 s, giving up')
  process.exit(2)
}, 60_000)
watchdog.unref()

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error('tour failed:', error)
    process.exitCode = 1
  },
)
