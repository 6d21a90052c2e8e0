import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { adaptGuards, checkGuard, fromNodeRequest, prepareRoute, toValidator } from '@tokenguard/core'
import type { AdapterRouteOptions, AuthHolder, Claims, ClaimsCheck, GuardSet } from '@tokenguard/core'
import type { Refusal, StepUpOptions, TokenClaims, ValidatorInput, ValidatorOptions } from '@tokenguard/core'

export * from '@tokenguard/core'
export type FastifyRouteOptions = AdapterRouteOptions
/** An async hook for `onRequest`, `preValidation` (form-body tokens) or `preHandler`. */
export type TokenHook = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>
/** `{ validator }` (a shared validator, or its options), or the validator's options inline. */
export type TokenguardOptions = { validator: ValidatorInput } | ValidatorOptions
/** The guards as hooks; `guardsFor(validator)` (the plugin's `app.requireScopes`, …) binds them to its realm. */
export type Guards = GuardSet<TokenHook>

declare module 'fastify' {
  // `request.auth`: undefined until `requireToken` accepts a token, and on an optional route without one.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface FastifyRequest extends AuthHolder<Claims> {}
  interface FastifyInstance {
    /** A hook validating the bearer token with the plugin's validator: `onRequest: app.requireToken({ … })`. */
    requireToken(routeOptions?: FastifyRouteOptions): TokenHook
    // Methods (overloads when they merge), not `extends Guards`: CommonJS and ESM type copies both merge here.
    requireScopes(...scopes: string[]): TokenHook
    requireAnyScope(...scopes: string[]): TokenHook
    requireRoles(...roles: string[]): TokenHook
    requireClaims<C extends TokenClaims = Claims>(check: ClaimsCheck<C>): TokenHook
    requireStepUp(options: StepUpOptions): TokenHook
  }
}

/**
 * A hook that validates the bearer token and sets `request.auth` (`app.requireToken`, with the plugin's validator).
 * @example
 * app.get('/items', { onRequest: requireToken(tokens), preHandler: requireScopes('items:read') }, handler)
 */
export function requireToken<C extends TokenClaims = Claims>(
  validatorOrOptions: ValidatorInput<C>,
  routeOptions?: FastifyRouteOptions,
): TokenHook {
  const route = prepareRoute(validatorOrOptions, routeOptions)
  return async function requireToken(request, reply) {
    // The body is parsed only from `preValidation` on: a form-body token needs the hook there.
    const raw = fromNodeRequest(request.raw, { url: request.url, body: request.body })
    const { refusal, headers } = await route.run(raw, request as AuthHolder<C>)
    if (refusal !== undefined) return answer(reply, refusal)
    if (headers !== undefined) reply.headers(headers)
  }
}

const hooks = adaptGuards<TokenHook>((guard, bound) => async (request, reply) => {
  const refused = checkGuard(guard, request, bound)
  return refused === undefined ? undefined : answer(reply, refused)
})
export const { requireScopes, requireAnyScope, requireRoles, requireClaims, requireStepUp, guardsFor } = hooks

// Fastify's default error handler applies `status` and `headers`; a custom one receives the TokenError.
// Returning the reply tells Fastify the hook answered: the route handler does not run.
function answer(reply: FastifyReply, { error, response }: Refusal): FastifyReply {
  if (response === undefined) throw error
  return reply.code(response.status).headers(response.headers).send(response.body)
}

async function plugin(app: FastifyInstance, options: TokenguardOptions): Promise<void> {
  const given = 'validator' in options ? options.validator : options
  const validator = toValidator(given)
  // A validator built here is ours to close; one passed in belongs to the caller.
  if (validator !== given) app.addHook('onClose', () => validator.close())
  app.decorateRequest('auth', undefined) // set per request: a decorated object would be shared by all
  app.decorateRequest('tokenguard', undefined)
  app.decorate('requireToken', (routeOptions?: FastifyRouteOptions) => requireToken(validator, routeOptions))
  // Bound to the plugin's validator: a guard on a route without requireToken still names its realm.
  for (const [name, guard] of Object.entries(guardsFor(validator))) app.decorate(name, guard)
}

/** The plugin: `app.register(tokenguard, { validator })`, once, at the root (fastify-plugin lifts its decorators). */
export const tokenguard = fp(plugin, { fastify: '5.x', name: '@tokenguard/fastify' })
export default tokenguard
