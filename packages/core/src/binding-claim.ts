import { InvalidTokenError } from './errors.js'
import type { TokenBinding, TokenClaims } from './types.js'

/** The confirmation methods we can enforce: `jkt` (RFC 9449 §6.1) and `x5t#S256` (RFC 8705 §3.1). */
const ENFORCEABLE = new Set(['jkt', 'x5t#S256'])

/**
 * The token's `cnf` claim (RFC 7800 §3.1), read strictly: a bound token must never pass as a plain
 * bearer token because its confirmation is malformed. Absent: no binding. Present: it must be a
 * JSON object holding only methods we enforce, each a non-empty string; anything else (`cnf` a
 * list, a string, `null`, `{}`, `jkt: 123`, `jwk` or another method we cannot check) is 401
 * `invalid_token`. Every method present is enforced (binding.ts).
 */
export function readBinding(claims: TokenClaims): TokenBinding | undefined {
  const cnf = claims.cnf
  if (cnf === undefined) return undefined
  if (cnf === null || typeof cnf !== 'object' || Array.isArray(cnf)) throw invalid('invalid_claim')
  const members = Object.keys(cnf)
  if (members.length === 0 || members.some((name) => !ENFORCEABLE.has(name))) {
    throw invalid('unsupported_binding')
  }
  const { jkt, 'x5t#S256': x5t } = cnf as Record<string, unknown>
  for (const value of [jkt, x5t]) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw invalid('invalid_claim')
  }
  const dpop = jkt as string | undefined
  const mtls = x5t as string | undefined
  return Object.freeze({
    type: dpop !== undefined ? 'dpop' : 'mtls',
    thumbprint: (dpop ?? mtls)!,
    jkt: dpop,
    x5tS256: mtls,
  })
}

function invalid(reason: 'invalid_claim' | 'unsupported_binding'): InvalidTokenError {
  return new InvalidTokenError({ reason })
}
