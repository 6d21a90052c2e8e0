import type { NextFunction, Request, RequestHandler, Response } from 'express'
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

export interface ExpressRouteOptions extends RouteOptions {
  /** `respond` (default): answer token errors here (RFC 6750 status, header, JSON). `next`: call `next(err)`. */
  errors?: 'respond' | 'next'
}

// Symbol.for: each entry point bundles this module, and a guard from one must read a route from the other.
const ERROR_MODE = Symbol.for('tokenguard.express.errors')
const NO_TOKEN = Symbol.for('tokenguard.express.noToken')
type TaggedRequest = Request & { [ERROR_MODE]?: 'respond' | 'next'; [NO_TOKEN]?: ChallengeContext }

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
  const noToken = noTokenChallenge(validator)
  return function requireToken(req: TaggedRequest, res: Response, next: NextFunction) {
    req[ERROR_MODE] = errors
    // A guard after an optional route that let the request through names this validator's realm.
    req[NO_TOKEN] = noToken
    const request = fromNodeRequest(req, { url: req.originalUrl, body: req.body })
    authenticate(request).then(
      (auth) => {
        // A fresh DPoP-Nonce (RFC 9449 §8.2) and its Cache-Control, when core has one for this request.
        const headers = responseHeaders(request)
        if (headers !== undefined) res.set(headers)
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

/** All of `roles` are required (403 `insufficient_scope` otherwise); where roles live is the issuer profile's say. */
export function requireRoles(...roles: string[]): RequestHandler {
  return guard(rolesGuard(...roles))
}

/** A check of your own over the token's claims. */
export function requireClaims<C extends TokenClaims = TokenClaims>(
  check: (claims: DeepReadonly<C>, auth: AuthContext<C>) => boolean,
): RequestHandler {
  return guard(claimsGuard(check))
}

/** A stronger or more recent login (RFC 9470): 401 `insufficient_user_authentication` otherwise. */
export function requireStepUp(options: StepUpOptions): RequestHandler {
  return guard(stepUpGuard(options))
}

/** The guards, bound to a validator: without a token they answer 401 under its realm. */
export interface Guards {
  requireScopes(...scopes: string[]): RequestHandler
  requireAnyScope(...scopes: string[]): RequestHandler
  requireRoles(...roles: string[]): RequestHandler
  requireClaims<C extends TokenClaims = TokenClaims>(
    check: (claims: DeepReadonly<C>, auth: AuthContext<C>) => boolean,
  ): RequestHandler
  requireStepUp(options: StepUpOptions): RequestHandler
}

/**
 * The guards bound to `validator`, for routes where no `requireToken` runs before them: a request
 * without a token gets the validator's challenge (realm, scheme, `resource_metadata`).
 *
 * @example
 * const guards = guardsFor(tokens)
 * app.get('/reports', guards.requireScopes('reports:read'), handler)
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

function guard(check: Guard, bound?: ChallengeContext): RequestHandler {
  return function requireGuard(req: TaggedRequest, res: Response, next: NextFunction) {
    try {
      check(slot(req).auth, req[NO_TOKEN] ?? bound)
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

/** The auth context `requireToken` attached to `req` (the way to read it without the global declaration). */
export function authOf(req: Request): AuthContext | undefined {
  return slot(req).auth
}
