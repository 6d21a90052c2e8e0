import type { DefaultState, Middleware, ParameterizedContext } from 'koa'
import { adaptGuards, checkGuard, fromNodeRequest, prepareRoute } from '@tokenguard/core'
import type { AdapterRouteOptions, AuthHolder, Claims, ClaimsCheck, GuardSet } from '@tokenguard/core'
import type { Refusal, TokenClaims, Validator, ValidatorInput } from '@tokenguard/core'

export * from '@tokenguard/core'
export type KoaRouteOptions = AdapterRouteOptions

/** What `requireToken` adds to `ctx.state` (`auth`: undefined on an optional route without a token). */
export interface TokenState<C extends TokenClaims = Claims> extends DefaultState, AuthHolder<C> {}

/** A Koa middleware whose later neighbours (with @koa/router) see `ctx.state.auth` typed. */
export type TokenMiddleware<C extends TokenClaims = Claims> = Middleware<TokenState<C>>

/**
 * Protects the middleware after it: validates the bearer token and sets `ctx.state.auth`.
 *
 * @example
 * router.get('/items', requireToken(tokens, { strategy: 'jwt' }), requireScopes('items:read'), (ctx) => {
 *   ctx.body = { subject: ctx.state.auth?.subject }
 * })
 */
export function requireToken<C extends TokenClaims = Claims>(
  validatorOrOptions: ValidatorInput<C>,
  routeOptions?: KoaRouteOptions,
): TokenMiddleware<C> {
  const route = prepareRoute(validatorOrOptions, routeOptions)
  return async function requireToken(ctx, next) {
    // The body is set by a body parser (@koa/bodyparser, koa-body) that runs before this middleware.
    const body = (ctx.request as { body?: unknown }).body
    const request = fromNodeRequest(ctx.req, { url: ctx.originalUrl, body })
    const { refusal, headers } = await route.run(request, ctx.state)
    if (refusal !== undefined) return answer(ctx, refusal)
    if (headers !== undefined) ctx.set(headers)
    // Errors thrown downstream are the app's, not token errors.
    await next()
  }
}

/** The guards as Koa middleware; `guardsFor(validator)` binds them to its realm. */
export interface Guards extends Omit<GuardSet<TokenMiddleware>, 'requireClaims'> {
  requireClaims<C extends TokenClaims = Claims>(check: ClaimsCheck<C>): TokenMiddleware<C>
}
const guards = adaptGuards<TokenMiddleware>((guard, bound) => async (ctx, next) => {
  const refused = checkGuard(guard, ctx.state, bound)
  if (refused !== undefined) return answer(ctx, refused)
  await next()
  // Koa middleware carries its state type, so requireClaims<C> is typed TokenMiddleware<C>.
}) as Guards & { guardsFor(validator: Validator): Guards }
export const { requireScopes, requireAnyScope, requireRoles, requireClaims, requireStepUp, guardsFor } =
  guards

// Koa's onerror applies `status`, `headers` and `expose`; an app's own error middleware sees the TokenError.
function answer(ctx: ParameterizedContext, { error, response }: Refusal): void {
  if (response === undefined) throw error
  ctx.status = response.status
  ctx.set(response.headers)
  ctx.body = response.body
}
