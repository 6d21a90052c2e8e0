import type { AuthContext, Claims } from '@tokenguard/core'

export * from '@tokenguard/core'
// Named, so they take precedence over core's framework-free guards (two star exports would clash).
export { authOf, guardsFor, requireAnyScope, requireClaims } from './middleware.js'
export { requireRoles, requireScopes, requireStepUp, requireToken } from './middleware.js'
export type { ExpressGuard, ExpressRouteOptions, Guards } from './middleware.js'

// Merged into the global `Express.Request` (no types import path). An app whose other middleware
// declares `req.auth` differently imports `@tokenguard/express/no-augmentation` instead.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `requireToken` once the token is accepted; undefined on an optional route without a token. */
      auth?: AuthContext<Claims>
    }
  }
}
