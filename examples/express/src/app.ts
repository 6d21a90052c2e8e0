/**
 * The tokenguard Express example: one validator shared by every route, and a strategy per route.
 *
 *   GET  /public     no token
 *   GET  /items      JWT verified locally, scope items:read
 *   GET  /orders     opaque token, introspected (answers cached, never past the token's expiry)
 *   GET  /profile    hybrid: a JWT is verified locally, anything else introspected
 *   POST /payments   hybrid + sensitive (denylist, fresh introspection), scope payments:write
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type Express, type Request, type Response } from 'express'
import { Redis } from 'ioredis'
import { RedisStore } from '@tokenguard/redis'
import promClient from 'prom-client'
import {
  combineListeners,
  createPrometheusMetrics,
  createReadinessCheck,
  createValidator,
  requireScopes,
  requireToken,
  type Store,
  type Validator,
} from '@tokenguard/express'
import type { ExampleConfig } from './config.js'

export { configFromEnv, type ExampleConfig } from './config.js'

export interface ExampleApp {
  framework: 'express'
  /** The validator behind every route: `validator.revoke(token)` puts a token on the denylist. */
  validator: Validator
  app: Express
  /** Listens (port 0 = any free port) and resolves to the base URL. */
  listen(port?: number, host?: string): Promise<string>
  /** Stops listening, then releases the validator and the Redis connection. */
  close(): Promise<void>
}

export function createApp(config: ExampleConfig): ExampleApp {
  // REDIS_URL: the denylist (and its change feed) and the introspection cache are shared through Redis.
  const redis =
    !config.store && config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1 }) : undefined
  const store: Store | undefined = config.store ?? (redis ? new RedisStore(redis) : undefined)

  // Prometheus: a registry per app, so two apps in one process (the demo) keep their own counters.
  const registry = new promClient.Registry()
  const metrics = createPrometheusMetrics(promClient, { registry })
  const validator = createValidator({
    issuer: config.issuer,
    audience: config.audience,
    jwt: { algorithms: config.algorithms ?? ['RS256', 'ES256'] },
    introspection: { clientId: config.clientId, clientSecret: config.clientSecret },
    ...(store ? { store } : {}),
    onEvent: config.onEvent ? combineListeners(metrics.onEvent, config.onEvent) : metrics.onEvent,
  })
  const readiness = createReadinessCheck(validator)

  // What a handler learns about its caller (never echo the token itself).
  const whoAmI = (req: Request, res: Response) => {
    res.json({
      route: `${req.method} ${req.path}`,
      strategy: req.auth?.strategy,
      subject: req.auth?.subject,
      clientId: req.auth?.clientId,
      scopes: req.auth?.scopes,
    })
  }

  const app = express()
  app.get('/public', (req, res) => {
    res.json({ route: `${req.method} ${req.path}`, strategy: 'none' })
  })
  // Operations: metrics for a scraper, readiness (keys and denylist mirror loaded) for a load balancer.
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics())
  })
  app.get('/health/ready', async (_req, res) => {
    const { status, body } = await readiness()
    res.status(status).json(body)
  })
  app.get('/items', requireToken(validator, { strategy: 'jwt' }), requireScopes('items:read'), whoAmI)
  app.get('/orders', requireToken(validator, { strategy: 'opaque' }), whoAmI)
  app.get('/profile', requireToken(validator, { strategy: 'hybrid' }), whoAmI)
  app.post(
    '/payments',
    requireToken(validator, { strategy: 'hybrid', sensitive: true }),
    requireScopes('payments:write'),
    whoAmI,
  )

  const server = http.createServer(app)
  return {
    framework: 'express',
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
        await store?.close?.()
        await redis.quit().catch(() => redis.disconnect())
      }
    },
  }
}
