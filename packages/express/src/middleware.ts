import type { NextFunction, Request, RequestHandler, Response } from 'express'
import {
  asTokenError,
  createValidator,
  fromNodeRequest,
  isValidator,
  requireAnyScope as anyScopeGuard,
  requireClaims as claimsGuard,
  requireScopes as scopesGuard,
  requireStepUp as stepUpGuard,
  toErrorResponse,
  type AuthContext,
  type Guard,
  type RouteOptions,
  type StepUpOptions,
  type TokenClaims,
  type Validator,
  type ValidatorOptions,
} from '@tokenguard/core'

export interface ExpressRouteOptions extends RouteOptions {
  /** `respond` (default): answer token errors here (RFC 6750 status, header, JSON). `next`: call `next(err)`. */
  errors?: 'respond' | 'next'
}

// Symbol.for: each entry point bundles this module, and a guard from one must read a route from the other.
const ERROR_MODE = Symbol.for('tokenguard.express.errors')
type TaggedRequest = Request & { [ERROR_MODE]?: 'respond' | 'next' }

// `req.auth` typed here, not through the global `Express.Request` declaration: this module also
// backs the entry point without it, where another library may declare `auth` with its own type.
const slot = (req: Request) => req as unknown as { auth?: AuthContext }

/**
 * Protects the routes after it: validates the bearer token and sets `req.auth`.
 *
 * @example
 * app.get('/items', requireToken(tokens, { strategy: 'jwt' }), requireScopes('items:read'), handler)
 */
export function requireToken(
  validatorOrOptions: Validator | ValidatorOptions,
  routeOptions: ExpressRouteOptions = {},
): RequestHandler {
  const { errors = 'respond', ...route } = routeOptions
  if (errors !== 'respond' && errors !== 'next')
    throw new TypeError('requireToken: `errors` must be respond or next')
  // Inline options build one validator here, when the route is declared, never per request.
  const validator = isValidator(validatorOrOptions) ? validatorOrOptions : createValidator(validatorOrOptions)
  const authenticate = validator.route(route)
  return function requireToken(req: TaggedRequest, res: Response, next: NextFunction) {
    req[ERROR_MODE] = errors
    authenticate(fromNodeRequest(req, { url: req.originalUrl, body: req.body })).then(
      (auth) => {
        slot(req).auth = auth
        next()
      },
      (error: unknown) => fail(req, res, next, error),
    )
  }
}

/** All of `scopes` are required (403 `insufficient_scope` otherwise). */
export function requireScopes(...scopes: string[]): RequestHandler {
  return guard(scopesGuard(...scopes))
}

/** Any one of `scopes` is enough. */
export function requireAnyScope(...scopes: string[]): RequestHandler {
  return guard(anyScopeGuard(...scopes))
}

/** A check of your own over the token's claims. */
export function requireClaims<C extends TokenClaims = TokenClaims>(
  check: (claims: C, auth: AuthContext<C>) => boolean,
): RequestHandler {
  return guard(claimsGuard(check))
}

/** A stronger or more recent login (RFC 9470): 401 `insufficient_user_authentication` otherwise. */
export function requireStepUp(options: StepUpOptions): RequestHandler {
  return guard(stepUpGuard(options))
}

function guard(check: Guard): RequestHandler {
  return function requireGuard(req: TaggedRequest, res: Response, next: NextFunction) {
    try {
      check(slot(req).auth)
    } catch (error) {
      fail(req, res, next, error)
      return
    }
    next()
  }
}

function fail(req: TaggedRequest, res: Response, next: NextFunction, thrown: unknown): void {
  const error = asTokenError(thrown)
  if (req[ERROR_MODE] === 'next') return next(error)
  const { status, headers, body } = toErrorResponse(error)
  res.status(status).set(headers).json(body)
}

/**
 * The auth context `requireToken` set on this request (undefined before it, or on an optional route
 * without a token). Typed without the global `req.auth` declaration, for apps that import
 * `@tokenguard/express/no-augmentation` because another library declares `req.auth` already.
 */
export function authOf(req: Request): AuthContext | undefined {
  return slot(req).auth
}
