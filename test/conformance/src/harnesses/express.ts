import type { AddressInfo } from 'node:net'
import express, { type RequestHandler } from 'express'
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

export const expressHarness: Harness = {
  name: 'express',
  async start(validator, routes) {
    const app = express()
    app.use(express.urlencoded({ extended: false }))
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
