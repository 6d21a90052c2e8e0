import { InvalidTokenError } from '../errors.js'
import type { TokenClaims } from '../types.js'

/**
 * Claim rules that jose leaves to us (RFC 9068 §2.2, RFC 8725 §3.9-3.11): value types, a finite
 * `exp`, and `iat` not in the future. Run on every accepted token, and the time rules again on
 * every verified-cache hit.
 */

// Year 5138: a NumericDate beyond this is a mistake or an attack (1e308 parses as a number).
const LATEST_NUMERIC_DATE = 1e11

export interface TimeRules {
  clockTolerance: number
  maxTokenAge: number | undefined
}

/** Rejects claims of the wrong type. `exp` must be present (RFC 9068 §2.2). */
export function checkClaimTypes(claims: TokenClaims): void {
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const value = claims[name]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > LATEST_NUMERIC_DATE) {
      throw invalidClaim()
    }
  }
  for (const name of ['iss', 'sub', 'jti', 'client_id'] as const) {
    if (claims[name] !== undefined && typeof claims[name] !== 'string') throw invalidClaim()
  }
  if (claims.aud !== undefined && !isStringOrStringList(claims.aud)) throw invalidClaim()
  if (claims.scope !== undefined && !isStringOrStringList(claims.scope)) throw invalidClaim()
  if (claims.scp !== undefined && !isStringOrStringList(claims.scp)) throw invalidClaim()
}

/** `exp` (required), `nbf`, `iat` and the maximum age against `nowSeconds`, with leeway. */
export function checkTimeClaims(claims: TokenClaims, nowSeconds: number, rules: TimeRules): void {
  const { exp, nbf, iat } = claims
  if (exp === undefined) throw new InvalidTokenError({ reason: 'missing_claim' })
  if (nowSeconds - rules.clockTolerance >= exp) throw new InvalidTokenError({ reason: 'expired' })
  if (nbf !== undefined && nowSeconds + rules.clockTolerance < nbf) {
    throw new InvalidTokenError({ reason: 'not_yet_valid' })
  }
  if (iat !== undefined && nowSeconds + rules.clockTolerance < iat) {
    throw new InvalidTokenError({ reason: 'issued_in_future' })
  }
  if (rules.maxTokenAge !== undefined) {
    if (iat === undefined) throw new InvalidTokenError({ reason: 'missing_claim' })
    if (nowSeconds - iat - rules.clockTolerance > rules.maxTokenAge)
      throw new InvalidTokenError({ reason: 'too_old' })
  }
}

function isStringOrStringList(value: unknown): boolean {
  return (
    typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'))
  )
}

function invalidClaim(): InvalidTokenError {
  return new InvalidTokenError({ reason: 'invalid_claim' })
}
