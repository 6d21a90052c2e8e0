import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { adaptGuards, checkGuard, fromNodeRequest, prepareRoute } from '@tokenguard/core'
import type { AdapterRouteOptions, AuthContext, AuthHolder, Claims, GuardSet } from '@tokenguard/core'
import type { Refusal, TokenClaims, ValidatorInput } from '@tokenguard/core'

export type ExpressRouteOptions = AdapterRouteOptions

// `req.auth` is reached through this view, not the global declaration: this module also backs
// the entry point without that declaration.
const holder = <C extends TokenClaims = Claims>(req: Request) => req as unknown as AuthHolder<C>

/**
 * Protects the routes after it: validates the bearer token and sets `req.auth`.
 *
 * @example
 * app.get('/items', requireToken(tokens, { strategy: 'jwt' }), requireScopes('items:read'), handler)
 */
export function requireToken<C extends TokenClaims = Claims>(
  validatorOrOptions: ValidatorInput<C>,
  routeOptions?: ExpressRouteOptions,
): RequestHandler {
  const route = prepareRoute(validatorOrOptions, routeOptions)
  return function requireToken(req, res, next) {
    const request = fromNodeRequest(req, { url: req.originalUrl, body: req.body })
    void route.run(request, holder<C>(req)).then(({ refusal, headers }) => {
      if (refusal !== undefined) return answer(res, next, refusal)
      if (headers !== undefined) res.set(headers)
      next()
    })
  }
}

/** The guards as Express middleware; `guardsFor(validator)` binds them to its realm. */
export type Guards = GuardSet<ExpressGuard>
/** A guard: Express middleware. Named, so declaration files need no path into `@types/express-serve-static-core`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ExpressGuard extends RequestHandler {}
const guards = adaptGuards<ExpressGuard>((guard, bound) => (req, res, next) => {
  const refused = checkGuard(guard, holder(req), bound)
  return refused === undefined ? next() : answer(res, next, refused)
})
export const { requireScopes, requireAnyScope, requireRoles, requireClaims, requireStepUp, guardsFor } =
  guards

// Token errors are answered here unless the route says otherwise: Express's default page prints a stack.
function answer(res: Response, next: NextFunction, { error, response }: Refusal): void {
  if (response === undefined) return next(error)
  res.status(response.status).set(response.headers).json(response.body)
}

/** The auth context `requireToken` set on `req`, typed without the global `req.auth` declaration. */
export function authOf(req: Request): AuthContext<Claims> | undefined {
  return holder(req).auth
}
