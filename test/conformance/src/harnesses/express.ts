// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the alias types must follow this module into other programs (test/security)
/// <reference path="../older-majors.d.ts" />
import type { AddressInfo } from 'node:net'
import express, { type RequestHandler } from 'express'
import express4 from 'express4'
import {
  guardsFor,
  requireAnyScope,
  requireClaims,
  requireRoles,
  requireScopes,
  requireStepUp,
  requireToken,
} from '@tokenguard/express'
import type { Harness } from '../harness'

/**
 * The suite's app on one Express major: the adapter imports Express for types only, so the app's
 * own `express` decides the version (Express 4 comes in as the `express4` alias).
 */
export function createExpressHarness(name: string, framework: typeof express): Harness {
  return {
    name,
    async start(validator, routes) {
      const app = framework()
      app.use(framework.urlencoded({ extended: false }))
      for (const spec of routes) {
        const chain: RequestHandler[] = []
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
        app[method](spec.path, ...chain, (req, res) => {
          res.json({ auth: req.auth ?? null })
        })
      }
      const server = app.listen(0, '127.0.0.1')
      await new Promise((resolve) => server.once('listening', resolve))
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      }
    },
  }
}

export const expressHarness = createExpressHarness('express', express)
export const express4Harness = createExpressHarness('express4', express4)
