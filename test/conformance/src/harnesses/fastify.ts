import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import formbody from '@fastify/formbody'
import tokenguard, { type TokenHook } from '@tokenguard/fastify'
import type { Harness } from '../harness'

export const fastifyHarness: Harness = {
  name: 'fastify',
  async start(validator, routes) {
    const app = Fastify({ logger: false })
    await app.register(formbody)
    await app.register(tokenguard, { validator })
    for (const spec of routes) {
      const guards: TokenHook[] = []
      if (spec.scopes) guards.push(app.requireScopes(...spec.scopes))
      if (spec.anyScopes) guards.push(app.requireAnyScope(...spec.anyScopes))
      if (spec.roles) guards.push(app.requireRoles(...spec.roles))
      if (spec.stepUp) guards.push(app.requireStepUp(spec.stepUp))
      if (spec.claims) guards.push(app.requireClaims(spec.claims))
      const hooks: Record<string, TokenHook[]> = { preHandler: guards }
      // The body is parsed after onRequest; a form-body token needs the hook in preValidation.
      if (spec.route !== false)
        hooks[spec.formBody ? 'preValidation' : 'onRequest'] = [app.requireToken(spec.route)]
      app.route({
        method: spec.method,
        url: spec.path,
        ...hooks,
        handler: async (request) => ({ auth: request.auth ?? null }),
      })
    }
    await app.listen({ port: 0, host: '127.0.0.1' })
    return {
      url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      close: () => app.close(),
    }
  },
}
