/**
 * The tokenguard Fastify example: the plugin holds one validator; each route picks a strategy.
 *
 *   GET  /public     no token
 *   GET  /items      JWT verified locally, scope items:read
 *   GET  /orders     opaque token, introspected (answers cached, never past the token's expiry)
 *   GET  /profile    hybrid: a JWT is verified locally, anything else introspected
 *   POST /payments   hybrid + sensitive (denylist, fresh introspection), scope payments:write
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { Redis } from 'ioredis'
import { RedisStore } from '@tokenguard/redis'
import { createValidator, tokenguard, type Store, type Validator } from '@tokenguard/fastify'
import type { ExampleConfig } from './config.js'

export { configFromEnv, type ExampleConfig } from './config.js'

export interface ExampleApp {
  framework: 'fastify'
  /** The validator behind every route: `validator.revoke(token)` puts a token on the denylist. */
  validator: Validator
  app: FastifyInstance
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
  const whoAmI = async (request: FastifyRequest) => ({
    route: `${request.method} ${request.routeOptions.url}`,
    strategy: request.auth?.strategy,
    subject: request.auth?.subject,
    clientId: request.auth?.clientId,
    scopes: request.auth?.scopes,
  })

  const app = Fastify()
  // Registered once at the root; it decorates the app with requireToken, requireScopes, …
  app.register(tokenguard, { validator })
  app.register(async (app) => {
    app.get('/public', async (request) => ({
      route: `${request.method} ${request.routeOptions.url}`,
      strategy: 'none',
    }))
    app.get(
      '/items',
      { onRequest: app.requireToken({ strategy: 'jwt' }), preHandler: app.requireScopes('items:read') },
      whoAmI,
    )
    app.get('/orders', { onRequest: app.requireToken({ strategy: 'opaque' }) }, whoAmI)
    app.get('/profile', { onRequest: app.requireToken({ strategy: 'hybrid' }) }, whoAmI)
    app.post(
      '/payments',
      {
        onRequest: app.requireToken({ strategy: 'hybrid', sensitive: true }),
        preHandler: app.requireScopes('payments:write'),
      },
      whoAmI,
    )
  })

  return {
    framework: 'fastify',
    validator,
    app,
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host })
      const address = app.server.address()
      if (address === null || typeof address === 'string') return String(address)
      return `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`
    },
    async close() {
      await app.close()
      // A validator passed to the plugin stays ours to close.
      await validator.close()
      if (redis) {
        await store?.close()
        await redis.quit().catch(() => redis.disconnect())
      }
    },
  }
}
