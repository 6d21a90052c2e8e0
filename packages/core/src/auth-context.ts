import { deepFreeze } from './deep-freeze.js'
import { parseScopes } from './scopes.js'
import { readBinding } from './binding-claim.js'
import type { AuthContext, TokenClaims } from './types.js'

/**
 * Builds the context a handler sees, the same way for every strategy, deeply frozen: one context
 * (and its claims) is shared by every request that hits a cache, so none may change it for the
 * next. `token` is there for the handler but not enumerable: `JSON.stringify(auth)`,
 * `res.json(req.auth)` and spreads never carry the raw bearer token.
 */
export function buildAuthContext<C extends TokenClaims>(
  strategy: 'jwt' | 'opaque',
  token: string,
  claims: C,
  scopeClaim: string | undefined,
): AuthContext<C> {
  deepFreeze(claims)
  const context = {
    strategy,
    claims,
    scopes: Object.freeze(parseScopes(claims, scopeClaim)),
    subject: typeof claims.sub === 'string' ? claims.sub : undefined,
    clientId: typeof claims.client_id === 'string' ? claims.client_id : undefined,
    issuer: typeof claims.iss === 'string' ? claims.iss : undefined,
    expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
    jti: typeof claims.jti === 'string' ? claims.jti : undefined,
    binding: readBinding(claims),
  }
  Object.defineProperty(context, 'token', { value: token, enumerable: false })
  return Object.freeze(context) as unknown as AuthContext<C>
}
