import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import Router from '@koa/router'
import { bodyParser } from '@koa/bodyparser'
import {
  guardsFor,
  requireAnyScope,
  requireClaims,
  requireRoles,
  requireScopes,
  requireStepUp,
  requireToken,
  type TokenMiddleware,
} from '@tokenguard/koa'
import type { Harness } from '../harness'

export const koaHarness: Harness = {
  name: 'koa',
  async start(validator, routes) {
    const app = new Koa()
    const router = new Router()
    app.use(bodyParser({ enableTypes: ['form'] }))
    for (const spec of routes) {
      const chain: TokenMiddleware[] = []
      // A guard alone is bound to the validator (as Fastify's app.requireScopes is) to name its realm.
      const guards =
        spec.route === false
          ? guardsFor(validator)
          : { requireScopes, requireAnyScope, requireRoles, requireStepUp, requireClaims }
      if (spec.route !== false) chain.push(requireToken(validator, spec.route))
      if (spec.scopes) chain.push(guards.requireScopes(...spec.scopes))
      if (spec.anyScopes) chain.push(guards.requireAnyScope(...spec.anyScopes))
      if (spec.roles) chain.push(guards.requireRoles(...spec.roles))
      if (spec.stepUp) chain.push(guards.requireStepUp(spec.stepUp))
      if (spec.claims) chain.push(guards.requireClaims(spec.claims))
      const method = spec.method === 'GET' ? 'get' : 'post'
      router[method](spec.path, ...chain, (ctx) => {
        ctx.body = { auth: ctx.state.auth ?? null }
      })
    }
    app.use(router.routes()).use(router.allowedMethods())
    const server = createServer(app.callback())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  },
}
