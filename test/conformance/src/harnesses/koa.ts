// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the alias types must follow this module into other programs (test/security)
/// <reference path="../older-majors.d.ts" />
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import Koa2 from 'koa2'
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

/**
 * The suite's app on one Koa major: the adapter imports Koa for types only, so the app's own `koa`
 * decides the version (Koa 2 comes in as the `koa2` alias).
 */
export function createKoaHarness(name: string, Framework: typeof Koa): Harness {
  return {
    name,
    async start(validator, routes) {
      const app = new Framework()
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
      const handle = app.callback()
      // Koa answers its own errors (ctx.onerror): the promise never rejects.
      const server = createServer((req, res) => void handle(req, res))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      }
    },
  }
}

export const koaHarness = createKoaHarness('koa', Koa)
export const koa2Harness = createKoaHarness('koa2', Koa2)
