import { deepFreeze } from './deep-freeze.js'
import { readClientId, readRoles, readScopes } from './profiles/claims.js'
import type { ResolvedProfile } from './profiles/types.js'
import { parseScopes } from './scopes.js'
import { readBinding } from './binding-claim.js'
import type { AuthContext, TokenClaims } from './types.js'

/**
 * Where scopes, roles and the client are read: the issuer's profile (or a lookup choosing it by the
 * claims' `iss`), or, as before profiles, a scope claim name.
 */
export type ClaimSource = ResolvedProfile | ((claims: TokenClaims) => ResolvedProfile) | string | undefined

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
  source: ClaimSource,
): AuthContext<C> {
  deepFreeze(claims)
  const profile = typeof source === 'function' ? source(claims) : source
  const dialect = typeof profile === 'object'
  const context = {
    strategy,
    claims,
    scopes: Object.freeze(dialect ? readScopes(claims, profile) : parseScopes(claims, profile)),
    roles: Object.freeze(dialect ? readRoles(claims, profile) : []),
    subject: typeof claims.sub === 'string' ? claims.sub : undefined,
    clientId: dialect
      ? readClientId(claims, profile)
      : typeof claims.client_id === 'string'
        ? claims.client_id
        : undefined,
    issuer: typeof claims.iss === 'string' ? claims.iss : undefined,
    expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
    jti: typeof claims.jti === 'string' ? claims.jti : undefined,
    binding: readBinding(claims),
  }
  Object.defineProperty(context, 'token', { value: token, enumerable: false })
  return Object.freeze(context) as unknown as AuthContext<C>
}
