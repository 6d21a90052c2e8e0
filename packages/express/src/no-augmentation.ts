// The main entry point without its global `Express.Request` declaration of `req.auth`, for apps where
// another library (express-oauth2-jwt-bearer) declares it (TS2717); read the context with `authOf(req)`.
export * from '@tokenguard/core'
export { authOf, guardsFor, requireAnyScope, requireClaims } from './middleware.js'
export { requireRoles, requireScopes, requireStepUp, requireToken } from './middleware.js'
export type { ExpressGuard, ExpressRouteOptions, Guards } from './middleware.js'
