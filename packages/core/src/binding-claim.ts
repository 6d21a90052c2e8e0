import type { TokenBinding, TokenClaims } from './types.js'

/** `cnf` (RFC 7800): `jkt` binds to a DPoP key (RFC 9449 §6), `x5t#S256` to a client certificate (RFC 8705 §3.1). */
export function readBinding(claims: TokenClaims): TokenBinding | undefined {
  const cnf = claims.cnf
  if (cnf === null || typeof cnf !== 'object') return undefined
  const { jkt, 'x5t#S256': x5t } = cnf as Record<string, unknown>
  if (typeof jkt === 'string') return Object.freeze({ type: 'dpop', thumbprint: jkt })
  if (typeof x5t === 'string') return Object.freeze({ type: 'mtls', thumbprint: x5t })
  return undefined
}
