import type { DefaultState, Middleware, ParameterizedContext } from 'koa'
import {
  asTokenError,
  createValidator,
  fromNodeRequest,
  isValidator,
  noTokenChallenge,
  requireAnyScope as anyScopeGuard,
  requireClaims as claimsGuard,
  requireRoles as rolesGuard,
  requireScopes as scopesGuard,
  requireStepUp as stepUpGuard,
  responseHeaders,
  toErrorResponse,
  type AuthContext,
  type ChallengeContext,
  type DeepReadonly,
  type Guard,
  type RouteOptions,
  type StepUpOptions,
  type TokenClaims,
  type Validator,
  type ValidatorOptions,
} from '@tokenguard/core'

export * from '@tokenguard/core'

/** What `requireToken` adds to `ctx.state`: typed through the middleware, no global augmentation. */
export interface TokenState<C extends TokenClaims = TokenClaims> extends DefaultState {
  /** Set once the token is accepted; undefined on an optional route without a token. */
  auth?: AuthContext<C>
}

/** A Koa middleware whose later neighbours (with @koa/router) see `ctx.state.auth` typed. */
export type TokenMiddleware<C extends TokenClaims = TokenClaims> = Middleware<TokenState<C>>

export interface KoaRouteOptions extends RouteOptions {
  /** `respond` (default): answer token errors here (RFC 6750 status, header, JSON). `next`: throw them to Koa. */
  errors?: 'respond' | 'next'
}

const ERROR_MODE = Symbol('tokenguard.errors')
const NO_TOKEN = Symbol('tokenguard.noToken')
type TaggedContext = ParameterizedContext<TokenState> & {
  [ERROR_MODE]?: 'respond' | 'next'
  [NO_TOKEN]?: ChallengeContext
}

/**
 * Protects the middleware after it: validates the bearer token and sets `ctx.state.auth`.
 *
 * @example
 * router.get('/items', requireToken(tokens, { strategy: 'jwt' }), requireScopes('items:read'), (ctx) => {
 *   ctx.body = { subject: ctx.state.auth?.subject }
 * })
 */
export function requireToken<C extends TokenClaims = TokenClaims>(
  validatorOrOptions: Validator<C> | ValidatorOptions,
  routeOptions: KoaRouteOptions = {},
): TokenMiddleware<C> {
  const { errors = 'respond', ...route } = routeOptions
  if (errors !== 'respond' && errors !== 'next')
    throw new TypeError('requireToken: `errors` must be respond or next')
  // Inline options build one validator here, when the route is declared, never per request.
  const validator = isValidator(validatorOrOptions)
    ? validatorOrOptions
    : createValidator<C>(validatorOrOptions)
  const authenticate = validator.route(route)
  const noToken = noTokenChallenge(validator)
  return async function requireToken(ctx: TaggedContext, next) {
    ctx[ERROR_MODE] = errors
    // A guard after an optional route that let the request through names this validator's realm.
    ctx[NO_TOKEN] = noToken
    let auth: AuthContext<C> | undefined
    try {
      // The body is set by a body parser (@koa/bodyparser, koa-body) that runs before this middleware.
      const body = (ctx.request as { body?: unknown }).body
      const request = fromNodeRequest(ctx.req, { url: ctx.originalUrl, body })
      auth = await authenticate(request)
      // A fresh DPoP-Nonce (RFC 9449 §8.2) and its Cache-Control, when core has one for this request.
      const headers = responseHeaders(request)
      if (headers !== undefined) ctx.set(headers)
    } catch (error) {
      return fail(ctx, error)
    }
    ctx.state.auth = auth
    // Outside the try: errors thrown downstream are the app's, not token errors.
    await next()
  }
}

/** All of `scopes` are required (403 `insufficient_scope` otherwise). */
export function requireScopes(...scopes: string[]): TokenMiddleware {
  return guard(scopesGuard(...scopes))
}

/** Any one of `scopes` is enough. */
export function requireAnyScope(...scopes: string[]): TokenMiddleware {
  return guard(anyScopeGuard(...scopes))
}

/** All of `roles` are required (403 `insufficient_scope` otherwise); where roles live is the issuer profile's say. */
export function requireRoles(...roles: string[]): TokenMiddleware {
  return guard(rolesGuard(...roles))
}

/** A check of your own over the token's claims. */
export function requireClaims<C extends TokenClaims = TokenClaims>(
  check: (claims: DeepReadonly<C>, auth: AuthContext<C>) => boolean,
): TokenMiddleware<C> {
  return guard(claimsGuard(check))
}

/** A stronger or more recent login (RFC 9470): 401 `insufficient_user_authentication` otherwise. */
export function requireStepUp(options: StepUpOptions): TokenMiddleware {
  return guard(stepUpGuard(options))
}

/** The guards, bound to a validator: without a token they answer 401 under its realm. */
export interface Guards {
  requireScopes(...scopes: string[]): TokenMiddleware
  requireAnyScope(...scopes: string[]): TokenMiddleware
  requireRoles(...roles: string[]): TokenMiddleware
  requireClaims<C extends TokenClaims = TokenClaims>(
    check: (claims: DeepReadonly<C>, auth: AuthContext<C>) => boolean,
  ): TokenMiddleware<C>
  requireStepUp(options: StepUpOptions): TokenMiddleware
}

/**
 * The guards bound to `validator`, for routes where no `requireToken` runs before them: a request
 * without a token gets the validator's challenge (realm, scheme, `resource_metadata`).
 *
 * @example
 * const guards = guardsFor(tokens)
 * router.get('/reports', guards.requireScopes('reports:read'), handler)
 */
export function guardsFor(validator: Validator): Guards {
  const noToken = noTokenChallenge(validator)
  return {
    requireScopes: (...scopes) => guard(scopesGuard(...scopes), noToken),
    requireAnyScope: (...scopes) => guard(anyScopeGuard(...scopes), noToken),
    requireRoles: (...roles) => guard(rolesGuard(...roles), noToken),
    requireClaims: (check) => guard(claimsGuard(check), noToken),
    requireStepUp: (options) => guard(stepUpGuard(options), noToken),
  }
}

function guard<C extends TokenClaims = TokenClaims>(
  check: Guard,
  bound?: ChallengeContext,
): TokenMiddleware<C> {
  return async function requireGuard(ctx: TaggedContext, next) {
    try {
      check(ctx.state.auth, ctx[NO_TOKEN] ?? bound)
    } catch (error) {
      return fail(ctx, error)
    }
    await next()
  }
}

function fail(ctx: TaggedContext, thrown: unknown): void {
  const error = asTokenError(thrown)
  // Koa's onerror applies `status`, `headers` and `expose`; an app's own error middleware sees the TokenError.
  if (ctx[ERROR_MODE] === 'next') throw error
  const { status, headers, body } = toErrorResponse(error)
  ctx.status = status
  ctx.set(headers)
  ctx.body = body
}
