/**
 * One instance of a fleet of identical API instances behind a load balancer, sharing one Redis.
 *
 *   GET  /items          read route: short-lived JWT, verified locally (no network), scope items:read
 *   GET  /profile        read route: hybrid (JWT locally, opaque introspected through the shared cache)
 *   POST /payments       sensitive: hybrid + denylist + fresh introspection, scope payments:write
 *   POST /admin/revoke   operator endpoint, scope admin: { "token": "…" } or { "subject": "…" }
 *
 * A revocation made on any instance is written to Redis and pushed to every instance's local
 * denylist mirror over pub/sub: within moments no instance accepts the token on a sensitive route.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type Express, type Request, type Response } from 'express'
import { Redis } from 'ioredis'
import { RedisStore } from '@tokenguard/redis'
import {
  createValidator,
  requireScopes,
  requireToken,
  type EventListener,
  type Store,
  type Validator,
} from '@tokenguard/express'

export interface FleetConfig {
  /** Name shown in every answer, so you can see which instance served a request. */
  instance: string
  issuer: string
  audience: string | string[]
  /** This API's client credentials at the authorization server (introspection). */
  clientId: string
  clientSecret: string
  /** Accepted JWT signing algorithms. Default RS256 and ES256. */
  algorithms?: string[]
  /** The shared Redis (required unless `store` is given). */
  redisUrl?: string
  /** A store of your own (tests); wins over `redisUrl`. */
  store?: Store
  /** Oldest JWT accepted, in seconds since its `iat` (default 300): bounds what a stolen JWT is worth. */
  maxTokenAge?: number
  onEvent?: EventListener
}

export interface FleetInstance {
  validator: Validator
  app: Express
  listen(port?: number, host?: string): Promise<string>
  close(): Promise<void>
}

export function createInstance(config: FleetConfig): FleetInstance {
  if (!config.store && !config.redisUrl) throw new Error('a fleet needs a shared store: set REDIS_URL')
  const redis = config.store ? undefined : new Redis(config.redisUrl!, { maxRetriesPerRequest: 1 })
  const store = config.store ?? new RedisStore(redis!)

  const validator = createValidator({
    issuer: config.issuer,
    audience: config.audience,
    // Short-lived JWTs: whatever `exp` says, a JWT older than maxTokenAge is refused.
    jwt: { algorithms: config.algorithms ?? ['RS256', 'ES256'], maxTokenAge: config.maxTokenAge ?? 300 },
    introspection: { clientId: config.clientId, clientSecret: config.clientSecret },
    // The denylist, its change feed and the introspection cache, shared by the whole fleet.
    store,
    // Sensitive routes answer 503 if this instance's mirror has not heard from Redis for 5 s.
    denylist: { maxStaleness: 5 },
    ...(config.onEvent ? { onEvent: config.onEvent } : {}),
  })

  const whoAmI = (req: Request, res: Response) => {
    res.json({
      instance: config.instance,
      route: `${req.method} ${req.path}`,
      strategy: req.auth?.strategy,
      subject: req.auth?.subject,
      clientId: req.auth?.clientId,
      scopes: req.auth?.scopes,
    })
  }

  const app = express()
  app.get('/items', requireToken(validator, { strategy: 'jwt' }), requireScopes('items:read'), whoAmI)
  app.get('/profile', requireToken(validator, { strategy: 'hybrid' }), whoAmI)
  app.post(
    '/payments',
    requireToken(validator, { strategy: 'hybrid', sensitive: true }),
    requireScopes('payments:write'),
    whoAmI,
  )

  // The operator endpoint is itself a sensitive route: a revoked admin token cannot revoke anything.
  app.post(
    '/admin/revoke',
    requireToken(validator, { strategy: 'hybrid', sensitive: true }),
    requireScopes('admin'),
    express.json({ limit: '16kb' }),
    async (req: Request, res: Response) => {
      const { token, subject } = (req.body ?? {}) as { token?: unknown; subject?: unknown }
      try {
        if (typeof token === 'string' && token) {
          await validator.revoke(token)
          res.json({ instance: config.instance, revoked: 'token' })
        } else if (typeof subject === 'string' && subject) {
          await validator.revokeSubject(subject)
          res.json({ instance: config.instance, revoked: 'subject', subject })
        } else {
          res
            .status(400)
            .json({ error: 'invalid_request', error_description: 'send { "token": … } or { "subject": … }' })
        }
      } catch {
        // The store could not record it: say so, so the operator retries (nothing was half-done silently).
        res
          .status(503)
          .json({ error: 'temporarily_unavailable', error_description: 'the revocation was not recorded' })
      }
    },
  )

  const server = http.createServer(app)
  return {
    validator,
    app,
    listen: (port = 0, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          const { address, port: bound } = server.address() as AddressInfo
          resolve(`http://${address.includes(':') ? `[${address}]` : address}:${bound}`)
        })
      }),
    async close() {
      if (server.listening) {
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
      }
      await validator.close()
      if (redis) {
        await store.close()
        await redis.quit().catch(() => redis.disconnect())
      }
    },
  }
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)

/** ISSUER, AUDIENCE (comma list), CLIENT_ID, CLIENT_SECRET, REDIS_URL (required), INSTANCE, MAX_TOKEN_AGE, JWT_ALGORITHMS. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): FleetConfig {
  const missing = ['ISSUER', 'AUDIENCE', 'CLIENT_ID', 'CLIENT_SECRET', 'REDIS_URL'].filter(
    (name) => !env[name],
  )
  if (missing.length > 0)
    throw new Error(`missing environment variable(s): ${missing.join(', ')} (see README.md)`)
  const algorithms = list(env.JWT_ALGORITHMS)
  return {
    instance: env.INSTANCE ?? `api-${env.PORT ?? 3000}`,
    issuer: env.ISSUER!,
    audience: list(env.AUDIENCE),
    clientId: env.CLIENT_ID!,
    clientSecret: env.CLIENT_SECRET!,
    redisUrl: env.REDIS_URL!,
    ...(algorithms.length > 0 ? { algorithms } : {}),
    ...(env.MAX_TOKEN_AGE ? { maxTokenAge: Number(env.MAX_TOKEN_AGE) } : {}),
  }
}
