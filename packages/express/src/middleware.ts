import type { NextFunction, Request, RequestHandler, Response } from 'express'
import {
  adaptGuards,
  checkGuard,
  fromNodeRequest,
  prepareRoute,
  type AdapterRouteOptions,
  type AuthContext,
  type Claims,
  type GuardSet,
  type Refusal,
  type RequestState,
  type TokenClaims,
  type Validator,
  type ValidatorOptions,
} from '@tokenguard/core'

export type ExpressRouteOptions = AdapterRouteOptions

// `req.auth` is typed here, not through the global declaration: this module also backs the entry
// point without it. `tokenguard` is what requireToken hands the guards after it.
type Slots = { auth?: AuthContext<Claims>; tokenguard?: RequestState }
const slots = (req: Request) => req as unknown as Slots

/**
 * Protects the routes after it: validates the bearer token and sets `req.auth`.
 *
 * @example
 * app.get('/items', requireToken(tokens, { strategy: 'jwt' }), requireScopes('items:read'), handler)
 */
export function requireToken<C extends TokenClaims = Claims>(
  validatorOrOptions: Validator<C> | ValidatorOptions,
  routeOptions?: ExpressRouteOptions,
): RequestHandler {
  const route = prepareRoute(validatorOrOptions, routeOptions)
  return function requireToken(req: Request, res: Response, next: NextFunction) {
    void route.run(fromNodeRequest(req, { url: req.originalUrl, body: req.body })).then((outcome) => {
      slots(req).tokenguard = outcome.state
      if (!outcome.ok) return answer(res, next, outcome.refusal)
      if (outcome.headers !== undefined) res.set(outcome.headers)
      slots(req).auth = outcome.auth as AuthContext<Claims> | undefined
      next()
    })
  }
}

/** The guards, as Express middleware; `guardsFor(validator)` binds them to its realm. */
export type Guards = GuardSet<RequestHandler>
const guards = adaptGuards<RequestHandler>((guard, bound) => (req, res, next) => {
  const refused = checkGuard(guard, slots(req).auth, slots(req).tokenguard ?? bound)
  return refused === undefined ? next() : answer(res, next, refused)
})
export const requireScopes: Guards['requireScopes'] = guards.requireScopes
export const requireAnyScope: Guards['requireAnyScope'] = guards.requireAnyScope
export const requireRoles: Guards['requireRoles'] = guards.requireRoles
export const requireClaims: Guards['requireClaims'] = guards.requireClaims
export const requireStepUp: Guards['requireStepUp'] = guards.requireStepUp
/** The guards bound to `validator`, for routes without `requireToken`: no token is 401 under its realm. */
export const guardsFor: (validator: Validator) => Guards = guards.guardsFor

// Express answers errors itself unless told otherwise: its default page would print a stack.
function answer(res: Response, next: NextFunction, { error, response }: Refusal): void {
  if (response === undefined) return next(error)
  res.status(response.status).set(response.headers).json(response.body)
}

/** The auth context `requireToken` set on this request, typed without the global `req.auth` declaration. */
export function authOf(req: Request): AuthContext<Claims> | undefined {
  return slots(req).auth
}
