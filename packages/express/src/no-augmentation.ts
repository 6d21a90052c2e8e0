// The same middleware as the main entry point without the global `Express.Request` declaration of
// `req.auth`, for apps where another library (express-oauth2-jwt-bearer) declares that property with
// its own type (TS2717 otherwise). Read the context with `authOf(req)`.
export * from '@tokenguard/core'
// Named, so they take precedence over core's framework-free guards of the same names.
export {
  authOf,
  guardsFor,
  requireAnyScope,
  requireClaims,
  requireRoles,
  requireScopes,
  requireStepUp,
  requireToken,
  type ExpressRouteOptions,
  type Guards,
} from './middleware.js'
