import { InsufficientUserAuthenticationError } from './errors.js'
import { requireAuth, type Guard } from './guards.js'

export interface StepUpOptions {
  /** Accepted authentication context classes (`acr`), any one of them. */
  acrValues?: readonly string[]
  /** Largest accepted age of the user's authentication (`now - auth_time`), in seconds. */
  maxAge?: number
  /** Clock in milliseconds (a test seam). Default `Date.now`. */
  now?: () => number
}

/**
 * Step-up authentication (RFC 9470): the route needs a stronger or more recent login than the
 * token shows. Refusals are 401 `insufficient_user_authentication` with `acr_values` and `max_age`,
 * so the client knows what to ask the authorization server for.
 */
export function requireStepUp(options: StepUpOptions): Guard {
  const { acrValues, maxAge, now = Date.now } = options ?? {}
  if (acrValues === undefined && maxAge === undefined)
    throw new TypeError('requireStepUp: give `acrValues`, `maxAge` or both')
  if (
    acrValues !== undefined &&
    (!Array.isArray(acrValues) ||
      acrValues.length === 0 ||
      acrValues.some((v) => typeof v !== 'string' || v === ''))
  ) {
    throw new TypeError('requireStepUp: `acrValues` must be a non-empty list of strings')
  }
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge < 0)) {
    throw new TypeError('requireStepUp: `maxAge` must be a non-negative number of seconds')
  }
  const params: Record<string, string> = {}
  if (acrValues !== undefined) params.acr_values = acrValues.join(' ')
  if (maxAge !== undefined) params.max_age = String(maxAge)

  return (auth, challenge) => {
    requireAuth(auth, challenge)
    const { acr, auth_time: authTime } = auth.claims
    const acrOk = acrValues === undefined || (typeof acr === 'string' && acrValues.includes(acr))
    // §3: no `auth_time` cannot prove the authentication is recent enough.
    const ageOk = maxAge === undefined || (typeof authTime === 'number' && now() / 1000 - authTime <= maxAge)
    if (acrOk && ageOk) return
    const error = new InsufficientUserAuthenticationError({ reason: 'insufficient_authentication', params })
    throw challenge === undefined ? error : error.withChallenge(challenge)
  }
}
