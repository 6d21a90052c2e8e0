import type { TokenClaims } from './types.js'

/**
 * Scope parsing. RFC 9068 §2.2.3 and RFC 7662 §2.2 carry scopes as one space-separated `scope`
 * string; some servers send an array, Microsoft-style servers use `scp`, Auth0 RBAC uses
 * `permissions`. A configured claim wins; otherwise `scope`, then `scp`.
 */
export function parseScopes(claims: TokenClaims, scopeClaim?: string): string[] {
  const raw = scopeClaim !== undefined ? claims[scopeClaim] : (claims.scope ?? claims.scp)
  if (typeof raw === 'string') return raw.split(' ').filter((scope) => scope.length > 0)
  if (Array.isArray(raw))
    return raw.filter((scope): scope is string => typeof scope === 'string' && scope !== '')
  return []
}

/** The required scopes that `granted` lacks (all of them must be present). */
export function missingScopes(granted: readonly string[], required: readonly string[]): string[] {
  return required.filter((scope) => !granted.includes(scope))
}
