import { InvalidTokenError, type RejectReason } from '../errors.js'

/** RFC 7662 §2.2 response checks: what an introspection answer must say before it is believed. */

const REFRESH_TOKEN_TYPES = new Set(['refresh_token', 'urn:ietf:params:oauth:token-type:refresh_token'])

export interface ResponseRules {
  issuers: ReadonlySet<string>
  audiences: ReadonlySet<string>
  requireAudience: boolean
  /** Leeway for `exp` and `nbf`, in seconds (claims are in seconds). */
  clockTolerance: number
}

/**
 * The answer is checked, not trusted (RFC 7662 §4: a shared or misconfigured server may vouch for
 * tokens meant for another resource). Runs on every fresh answer and again on every cache hit.
 */
export function checkIntrospectionResponse(
  response: Readonly<Record<string, unknown>>,
  nowSeconds: number,
  rules: ResponseRules,
): void {
  // RFC 7662 §2.2: `active` is a boolean; only the JSON value `true` means active ("true" does not).
  if (response.active !== true) throw reject('inactive')
  const { exp, nbf, iss, aud, token_type: tokenType, scope, sub, client_id: clientId } = response
  for (const value of [exp, nbf])
    if (value !== undefined && !isNumericDate(value)) throw reject('invalid_claim')
  for (const value of [iss, sub, clientId, tokenType]) {
    if (value !== undefined && typeof value !== 'string') throw reject('invalid_claim')
  }
  if (aud !== undefined && !isStringOrStringList(aud)) throw reject('invalid_claim')
  if (scope !== undefined && !isStringOrStringList(scope)) throw reject('invalid_claim')

  // A server may still say `active` until its own sweep runs; a past `exp` wins.
  if (typeof exp === 'number' && nowSeconds - rules.clockTolerance >= exp) throw reject('expired')
  if (typeof nbf === 'number' && nowSeconds + rules.clockTolerance < nbf) throw reject('not_yet_valid')
  if (typeof iss === 'string' && !rules.issuers.has(iss)) throw reject('unknown_issuer')
  // RFC 7662 §2.2 `aud`: a token minted for another resource must not open this one.
  if (aud === undefined ? rules.requireAudience : !toList(aud).some((value) => rules.audiences.has(value))) {
    throw reject('wrong_audience')
  }
  // Some servers introspect refresh tokens too; one is never a bearer credential for a resource.
  // RFC 7662 §2.2 names `token_type` loosely: servers say `refresh_token` or the RFC 8693 URI.
  if (typeof tokenType === 'string' && REFRESH_TOKEN_TYPES.has(tokenType.toLowerCase()))
    throw reject('refresh_token')
}

// Year 5138: a NumericDate beyond this is a mistake or an attack (1e308 parses as a number).
const LATEST_NUMERIC_DATE = 1e11

function isNumericDate(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= LATEST_NUMERIC_DATE
}

function isStringOrStringList(value: unknown): boolean {
  return (
    typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'))
  )
}

function toList(value: unknown): string[] {
  return typeof value === 'string' ? [value] : (value as string[])
}

function reject(reason: RejectReason): InvalidTokenError {
  return new InvalidTokenError({ reason })
}
