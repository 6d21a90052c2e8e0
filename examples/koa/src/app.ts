/**
 * The tokenguard Koa example: one validator shared by every route, and a strategy per route.
 *
 *   GET  /public     no token
 *   GET  /items      JWT verified locally, scope items:read
 *   GET  /orders     opaque token, introspected (answers cached, never past the token's expiry)
 *   GET  /profile    hybrid: a JWT is verified locally, anything else introspected
 *   POST /payments   hybrid + sensitive (denylist, fresh introspection), scope payments:write
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa, { type ParameterizedContext } from 'koa'
import Router from '@koa/router'
import { Redis } from 'ioredis'
import { RedisStore } from '@tokenguard/redis'
import {
  createValidator,
  requireScopes,
  requireToken,
  type Store,
  type TokenState,
  type Validator,
} from '@tokenguard/koa'
import type { ExampleConfig } from './config.js'

export { configFromEnv, type ExampleConfig } from './config.js'

export interface ExampleApp {
  framework: 'koa'
  /** The validator behind every route: `validator.revoke(token)` puts a token on the denylist. */
  validator: Validator
  app: Koa<TokenState>
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

  const validator = createValidator({
    issuer: config.issuer,
    audience: config.audience,
    jwt: { algorithms: config.algorithms ?? ['RS256', 'ES256'] },
    introspection: { clientId: config.clientId, clientSecret: config.clientSecret },
    ...(store ? { store } : {}),
    ...(config.onEvent ? { onEvent: config.onEvent } : {}),
  })

  // What a handler learns about its caller (never echo the token itself).
  const whoAmI = (ctx: ParameterizedContext<TokenState>) => {
    const auth = ctx.state.auth
    ctx.body = {
      route: `${ctx.method} ${ctx.path}`,
      strategy: auth?.strategy,
      subject: auth?.subject,
      clientId: auth?.clientId,
      scopes: auth?.scopes,
    }
  }

  const router = new Router<TokenState>()
  router.get('/public', (ctx) => {
    ctx.body = { route: `${ctx.method} ${ctx.path}`, strategy: 'none' }
  })
  router.get('/items', requireToken(validator, { strategy: 'jwt' }), requireScopes('items:read'), whoAmI)
  router.get('/orders', requireToken(validator, { strategy: 'opaque' }), whoAmI)
  router.get('/profile', requireToken(validator, { strategy: 'hybrid' }), whoAmI)
  router.post(
    '/payments',
    requireToken(validator, { strategy: 'hybrid', sensitive: true }),
    requireScopes('payments:write'),
    whoAmI,
  )

  const app = new Koa<TokenState>()
  app.use(router.routes()).use(router.allowedMethods())

  const handle = app.callback()
  // Koa answers its own errors (ctx.onerror), so the request's promise never rejects.
  const server = http.createServer((req, res) => void handle(req, res))
  return {
    framework: 'koa',
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
        await store?.close()
        await redis.quit().catch(() => redis.disconnect())
      }
    },
  }
}
