import { PROFILE_NAMES, PROFILES } from '../profiles/builtin.js'
import { normalizeTyp } from '../jws/header.js'
import type { ResolvedProfile } from '../profiles/types.js'

/** Plain-words advice naming the option that would change an outcome. Never weaker checks. */

/** Named profiles whose tokens carry this `typ` (what a provider's default tokens look like). */
export function profilesAccepting(typ: unknown): string[] {
  const wanted = normalizeTyp(typ)
  return PROFILE_NAMES.filter((name) => PROFILES[name].typ.some((item) => normalizeTyp(item) === wanted))
}

export function typFix(typ: unknown, profile: ResolvedProfile): string {
  const candidates = profilesAccepting(typ).filter((name) => name !== profile.name)
  const shown = typeof typ === 'string' ? typ : 'absent'
  const expected = describeTyps(profile)
  const byProfile =
    candidates.length === 0
      ? ''
      : `set the issuer's profile to ${orList(candidates.map((name) => `'${name}'`))}, or `
  return `the token's typ is ${shown}; this validator expects ${expected}: ${byProfile}set jwt.typ (an ID token or other JWT must never pass as an access token)`
}

export function describeTyps(profile: ResolvedProfile): string {
  if (profile.typ === false) return 'any typ'
  return [...profile.typ].map((item) => (item === null ? 'no typ' : item)).join(' or ')
}

/** An issuer that differs from a trusted one only by a trailing slash or letter case. */
export function nearIssuer(iss: string, trusted: readonly string[]): string | undefined {
  const key = (value: string) => value.replace(/\/+$/, '').toLowerCase()
  return trusted.find((candidate) => key(candidate) === key(iss))
}

export function issuerFix(iss: unknown, trusted: readonly string[]): string {
  if (typeof iss !== 'string') return 'the token must carry its issuer as a string `iss` claim'
  const near = nearIssuer(iss, trusted)
  if (near !== undefined)
    return `the issuer is compared exactly (RFC 8414 §3.3): the token says ${JSON.stringify(iss)}, the option says ${JSON.stringify(near)}; set issuer to the token's exact spelling`
  return `if you trust this issuer, add ${JSON.stringify(iss)} to the issuer option`
}

export function audienceFix(
  value: unknown,
  profile: ResolvedProfile,
  claims: Record<string, unknown>,
): string {
  if (value === undefined) {
    if (
      profile.audienceClaim === 'aud' &&
      typeof claims.client_id === 'string' &&
      claims.token_use === 'access'
    )
      return "Amazon Cognito access tokens carry client_id instead of aud: set the issuer's profile to 'cognito'"
    return `the token has no ${profile.audienceClaim} claim; ask the authorization server for a token for this API (e.g. the audience or resource parameter)`
  }
  return `if this API is the intended audience, set audience (or the issuer entry's audience) to one of the token's values; otherwise ask the authorization server for a token for this API`
}

export function requiredFix(missing: readonly string[], profile: ResolvedProfile): string {
  const fitting = PROFILE_NAMES.filter(
    (name) =>
      name !== profile.name && missing.every((claim) => !PROFILES[name].requiredClaims.includes(claim)),
  )
  const hint = fitting.length === 0 ? '' : ` (profiles not requiring them: ${fitting.join(', ')})`
  return `profile '${profile.name}' and jwt.requiredClaims require ${missing.join(', ')}; if the provider never sends them, set the issuer's profile to the provider's${hint}`
}

function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`
}
