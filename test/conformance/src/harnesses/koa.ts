import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import Router from '@koa/router'
import { bodyParser } from '@koa/bodyparser'
import {
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
      if (spec.route !== false) chain.push(requireToken(validator, spec.route))
      if (spec.scopes) chain.push(requireScopes(...spec.scopes))
      if (spec.anyScopes) chain.push(requireAnyScope(...spec.anyScopes))
      if (spec.roles) chain.push(requireRoles(...spec.roles))
      if (spec.stepUp) chain.push(requireStepUp(spec.stepUp))
      if (spec.claims) chain.push(requireClaims(spec.claims))
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
