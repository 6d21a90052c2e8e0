import { readClientId, readRoles, readScopes } from './profiles/claims.js'
import type { ResolvedProfile } from './profiles/types.js'
import { parseScopes } from './scopes.js'
import type { AuthContext, TokenBinding, TokenClaims } from './types.js'

/**
 * Where scopes, roles and the client are read: the issuer's profile (or a lookup choosing it by the
 * claims' `iss`), or, as before profiles, a scope claim name.
 */
export type ClaimSource = ResolvedProfile | ((claims: TokenClaims) => ResolvedProfile) | string | undefined

/** Builds the context a handler sees, the same way for both strategies. */
export function buildAuthContext<C extends TokenClaims>(
  strategy: 'jwt' | 'opaque',
  token: string,
  claims: C,
  source: ClaimSource,
): AuthContext<C> {
  const profile = typeof source === 'function' ? source(claims) : source
  const dialect = typeof profile === 'object'
  return {
    strategy,
    token,
    claims,
    scopes: dialect ? readScopes(claims, profile) : parseScopes(claims, profile),
    roles: dialect ? readRoles(claims, profile) : [],
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
}

/** `cnf` (RFC 7800): `jkt` binds to a DPoP key (RFC 9449 §6), `x5t#S256` to a client certificate (RFC 8705 §3.1). */
function readBinding(claims: TokenClaims): TokenBinding | undefined {
  const cnf = claims.cnf
  if (cnf === null || typeof cnf !== 'object') return undefined
  const { jkt, 'x5t#S256': x5t } = cnf as Record<string, unknown>
  if (typeof jkt === 'string') return { type: 'dpop', thumbprint: jkt }
  if (typeof x5t === 'string') return { type: 'mtls', thumbprint: x5t }
  return undefined
}
