import type { DefaultState, Middleware, ParameterizedContext } from 'koa'
import {
  adaptGuards,
  checkGuard,
  fromNodeRequest,
  prepareRoute,
  type AdapterRouteOptions,
  type AuthContext,
  type Claims,
  type ClaimsCheck,
  type GuardSet,
  type Refusal,
  type RequestState,
  type TokenClaims,
  type Validator,
  type ValidatorOptions,
} from '@tokenguard/core'

export * from '@tokenguard/core'

/** What `requireToken` adds to `ctx.state`: typed through the middleware, no global augmentation. */
export interface TokenState<C extends TokenClaims = Claims> extends DefaultState {
  /** Set once the token is accepted; undefined on an optional route without a token. */
  auth?: AuthContext<C>
  /** What `requireToken` hands the guards after it: where errors go, the challenge to answer under. */
  tokenguard?: RequestState
}

/** A Koa middleware whose later neighbours (with @koa/router) see `ctx.state.auth` typed. */
export type TokenMiddleware<C extends TokenClaims = Claims> = Middleware<TokenState<C>>

export type KoaRouteOptions = AdapterRouteOptions

/**
 * Protects the middleware after it: validates the bearer token and sets `ctx.state.auth`.
 *
 * @example
 * router.get('/items', requireToken(tokens, { strategy: 'jwt' }), requireScopes('items:read'), (ctx) => {
 *   ctx.body = { subject: ctx.state.auth?.subject }
 * })
 */
export function requireToken<C extends TokenClaims = Claims>(
  validatorOrOptions: Validator<C> | ValidatorOptions,
  routeOptions?: KoaRouteOptions,
): TokenMiddleware<C> {
  const route = prepareRoute(validatorOrOptions, routeOptions)
  return async function requireToken(ctx, next) {
    // The body is set by a body parser (@koa/bodyparser, koa-body) that runs before this middleware.
    const body = (ctx.request as { body?: unknown }).body
    const outcome = await route.run(fromNodeRequest(ctx.req, { url: ctx.originalUrl, body }))
    ctx.state.tokenguard = outcome.state
    if (!outcome.ok) return answer(ctx, outcome.refusal)
    if (outcome.headers !== undefined) ctx.set(outcome.headers)
    ctx.state.auth = outcome.auth
    // Errors thrown downstream are the app's, not token errors.
    await next()
  }
}

/** The guards, as Koa middleware; `guardsFor(validator)` binds them to its realm. */
export interface Guards extends Omit<GuardSet<TokenMiddleware>, 'requireClaims'> {
  requireClaims<C extends TokenClaims = Claims>(check: ClaimsCheck<C>): TokenMiddleware<C>
}
const guards = adaptGuards<TokenMiddleware>((guard, bound) => async (ctx, next) => {
  const refused = checkGuard(guard, ctx.state.auth, ctx.state.tokenguard ?? bound)
  return refused === undefined ? next() : answer(ctx, refused)
  // The cast: Koa middleware carries its state type, so requireClaims<C> returns TokenMiddleware<C>.
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
