// One bench server, in its own process (forked with --expose-gc): one framework, one way of
// checking the token, one GET /items route answering {"ok":true}. Config: JSON in argv[2].
// IPC: sends {type:'ready', port}; answers {type:'mark'} (process CPU time and requests served so
// far, for CPU per request), {type:'memory'} (after a full GC) and {type:'close'}.
import { Buffer } from 'node:buffer'
import { clearTimeout, setTimeout } from 'node:timers'

const config = JSON.parse(process.argv[2])
const { framework, kind, issuer, audience, apiClient, redisUrl } = config
const ALGS = ['RS256', 'ES256']
const OK = { ok: true }
const UNAUTHORIZED = { error: 'invalid_token' }
const closers = []

// --- how the token is checked ---------------------------------------------------------------

async function tokenguardValidator(tg) {
  let store
  if (config.store === 'redis') {
    const { Redis } = await import('ioredis')
    const { RedisStore } = await import('@tokenguard/redis')
    const redis = new Redis(redisUrl, { lazyConnect: false })
    store = new RedisStore(redis)
    closers.push(async () => {
      await store.close?.()
      redis.disconnect()
    })
  }
  const validator = tg.createValidator({
    issuer,
    audience,
    jwt: { algorithms: ALGS, ...(config.jwtCache === false ? { cache: false } : {}) },
    introspection: { clientId: apiClient.id, clientSecret: apiClient.secret },
    ...(store ? { store } : {}),
  })
  closers.unshift(() => validator.close())
  await validator.ready()
  return validator
}

function routeOptions() {
  const route = { strategy: config.strategy }
  if (config.sensitive) route.sensitive = true
  if (config.cache === false) route.cacheMaxAge = 0 // take no cached introspection answer
  return route
}

/** The baseline for `opaque`: a minimal keep-alive introspection call, as one would write it by hand. */
async function handwrittenIntrospection() {
  const { Agent, request } = await import('undici')
  // The same pool settings as tokenguard's default dispatcher (packages/core/src/http.ts).
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128, pipelining: 1 })
  closers.push(() => agent.close())
  const endpoint = `${issuer}introspect`
  const basic = 'Basic ' + Buffer.from(`${apiClient.id}:${apiClient.secret}`).toString('base64')
  return async function introspect(authorization) {
    if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return false
    const { statusCode, body } = await request(endpoint, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        authorization: basic,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'token=' + encodeURIComponent(authorization.slice(7)),
    })
    const answer = await body.json()
    return statusCode === 200 && answer.active === true
  }
}

/**
 * The hook floor: the least any auth middleware does (one async hook, a Map lookup, setting
 * `auth`). tokenguard's rows are measured against it, so the framework's own cost of running a
 * hook at all is not counted as ours.
 */
const FLOOR_AUTH = Object.freeze({ strategy: 'jwt', subject: 'user', scopes: ['items:read'] })
const floorTable = new Map([['Bearer floor', FLOOR_AUTH]])
const floorLookup = (authorization) => floorTable.get(authorization) ?? FLOOR_AUTH

// --- the frameworks ---------------------------------------------------------------------------

async function expressApp() {
  const { default: express } = await import('express')
  const app = express()
  const handler = (req, res) => res.json(OK)
  if (kind === 'bare') app.get('/items', handler)
  else if (kind === 'floor') {
    app.get(
      '/items',
      async (req, res, next) => {
        req.auth = floorLookup(req.headers.authorization)
        next()
      },
      handler,
    )
  } else if (kind === 'tokenguard') {
    const tg = await import('@tokenguard/express')
    app.get('/items', tg.requireToken(await tokenguardValidator(tg), routeOptions()), handler)
  } else if (kind === 'handwritten') {
    const introspect = await handwrittenIntrospection()
    app.get('/items', async (req, res) => {
      if (await introspect(req.headers.authorization)) res.json(OK)
      else res.status(401).json(UNAUTHORIZED)
    })
  } else if (kind === 'express-jwt') {
    const { expressjwt } = await import('express-jwt')
    const { default: jwksRsa } = await import('jwks-rsa')
    const secret = jwksRsa.expressJwtSecret({ jwksUri: `${issuer}jwks`, cache: true, rateLimit: true })
    app.get('/items', expressjwt({ secret, algorithms: ALGS, issuer, audience }), handler)
  } else if (kind === 'express-oauth2-jwt-bearer') {
    const { auth } = await import('express-oauth2-jwt-bearer')
    // strict: RFC 9068 profile (typ at+jwt, iat/sub/client_id/jti types), like tokenguard's defaults.
    app.get('/items', auth({ issuerBaseURL: issuer, audience, strict: true }), handler)
  } else throw new Error(`express: unknown kind ${kind}`)
  // Peers signal refusals with next(err); answer them as 401 rather than Express's HTML 500.
  app.use((err, req, res, _next) =>
    res.status(err.status ?? 500).json({ error: String(err.code ?? err.message) }),
  )
  return listen((port, cb) => app.listen(port, '127.0.0.1', cb))
}

async function koaApp() {
  const { default: Koa } = await import('koa')
  const { default: Router } = await import('@koa/router')
  const app = new Koa()
  const router = new Router()
  const handler = (ctx) => {
    ctx.body = OK
  }
  if (kind === 'bare') router.get('/items', handler)
  else if (kind === 'floor') {
    router.get(
      '/items',
      async (ctx, next) => {
        ctx.state.auth = floorLookup(ctx.headers.authorization)
        await next()
      },
      handler,
    )
  } else if (kind === 'tokenguard') {
    const tg = await import('@tokenguard/koa')
    router.get('/items', tg.requireToken(await tokenguardValidator(tg), routeOptions()), handler)
  } else if (kind === 'handwritten') {
    const introspect = await handwrittenIntrospection()
    router.get('/items', async (ctx) => {
      if (await introspect(ctx.headers.authorization)) ctx.body = OK
      else {
        ctx.status = 401
        ctx.body = UNAUTHORIZED
      }
    })
  } else if (kind === 'koa-jwt') {
    const { default: koaJwt } = await import('koa-jwt')
    const { default: jwksRsa } = await import('jwks-rsa')
    const secret = jwksRsa.koaJwtSecret({ jwksUri: `${issuer}jwks`, cache: true, rateLimit: true })
    router.get('/items', koaJwt({ secret, algorithms: ALGS, issuer, audience }), handler)
  } else throw new Error(`koa: unknown kind ${kind}`)
  app.use(router.routes())
  return listen((port, cb) => app.listen(port, '127.0.0.1', cb))
}

async function fastifyApp() {
  const { default: Fastify } = await import('fastify')
  const app = Fastify({ logger: false })
  const handler = async () => OK
  if (kind === 'bare') app.get('/items', handler)
  else if (kind === 'floor') {
    app.decorateRequest('auth', null)
    const onRequest = async (request) => {
      request.auth = floorLookup(request.headers.authorization)
    }
    app.get('/items', { onRequest }, handler)
  } else if (kind === 'tokenguard') {
    const tg = await import('@tokenguard/fastify')
    await app.register(tg.tokenguard, { validator: await tokenguardValidator(tg) })
    app.get('/items', { onRequest: app.requireToken(routeOptions()) }, handler)
  } else if (kind === 'handwritten') {
    const introspect = await handwrittenIntrospection()
    app.get('/items', async (request, reply) => {
      if (await introspect(request.headers.authorization)) return OK
      return reply.code(401).send(UNAUTHORIZED)
    })
  } else if (kind === '@fastify/jwt') {
    const { default: fastifyJwt } = await import('@fastify/jwt')
    const { default: buildGetJwks } = await import('get-jwks')
    const getJwks = buildGetJwks({ providerDiscovery: true, issuersWhitelist: [issuer] })
    await app.register(fastifyJwt, {
      decode: { complete: true },
      secret: (request, token, callback) => {
        const {
          header: { kid, alg },
          payload: { iss },
        } = token
        getJwks.getPublicKey({ kid, alg, domain: iss }).then((key) => callback(null, key), callback)
      },
      verify: { algorithms: ALGS, allowedIss: issuer, allowedAud: audience },
    })
    app.get('/items', { onRequest: (request) => request.jwtVerify() }, handler)
  } else throw new Error(`fastify: unknown kind ${kind}`)
  await app.listen({ port: 0, host: '127.0.0.1' })
  closers.push(() => app.close())
  count(app.server)
  return app.server.address().port
}

let served = 0
/** Counts requests as they arrive (one more listener, the same on every row). */
function count(server) {
  server.on('request', () => served++)
}

function listen(start) {
  return new Promise((resolve, reject) => {
    const server = start(0, () => resolve(server.address().port))
    count(server)
    server.keepAliveTimeout = 60_000
    server.once('error', reject)
    closers.push(() => new Promise((r) => server.close(() => r())))
  })
}

// --- lifecycle --------------------------------------------------------------------------------

const build = { express: expressApp, koa: koaApp, fastify: fastifyApp }[framework]
if (!build) throw new Error(`unknown framework ${framework}`)
const port = await build()
process.send({ type: 'ready', port })

async function shutdown() {
  const timer = setTimeout(() => process.exit(0), 2000) // bounded
  for (const close of closers) {
    try {
      await close()
    } catch {
      // closing anyway
    }
  }
  clearTimeout(timer)
  process.exit(0) // a normal exit: --cpu-prof writes its profile here
}

process.on('message', (message) => {
  if (message.type === 'mark') {
    process.send({
      type: 'mark',
      id: message.id,
      cpu: process.cpuUsage(),
      served,
      at: process.hrtime.bigint().toString(),
    })
  } else if (message.type === 'memory') {
    globalThis.gc?.()
    process.send({ type: 'memory', id: message.id, memory: process.memoryUsage() })
  } else if (message.type === 'close') void shutdown()
})
process.on('disconnect', () => void shutdown())
