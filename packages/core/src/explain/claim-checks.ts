import { checkClaimTypes } from '../jwt/claims.js'
import { readRoles, readScopes } from '../profiles/claims.js'
import type { ResolvedProfile } from '../profiles/types.js'
import type { TokenClaims } from '../types.js'
import { audienceFix, requiredFix } from './fixes.js'
import { CheckList, quote } from './report.js'

/** The profile's audience rule and required claims and values (profiles/claims.ts, one by one). */
export function explainProfileClaims(
  claims: TokenClaims,
  profile: ResolvedProfile,
  extraRequired: readonly string[],
  list: CheckList,
): void {
  const value = claims[profile.audienceClaim]
  const accepted = [...profile.audiences].map((item) => JSON.stringify(item)).join(', ')
  const listed = typeof value === 'string' ? [value] : Array.isArray(value) ? value : []
  if (value === undefined)
    list.fail(
      'aud',
      'missing_claim',
      `the token has no ${profile.audienceClaim} claim; this validator accepts ${accepted}`,
      audienceFix(value, profile, claims),
    )
  else if (!listed.some((item) => typeof item === 'string' && profile.audiences.has(item)))
    list.fail(
      'aud',
      'wrong_audience',
      `the token's ${profile.audienceClaim} is ${quote(value)}; this validator accepts ${accepted}`,
      audienceFix(value, profile, claims),
    )
  else list.pass('aud', `${profile.audienceClaim} ${quote(value)} names this API`)

  const required = [...new Set([...profile.requiredClaims, 'exp', ...extraRequired])]
  const missing = required.filter((name) => claims[name] === undefined)
  if (missing.length > 0)
    list.fail(
      'required_claims',
      'missing_claim',
      `the token lacks ${missing.join(', ')}`,
      requiredFix(missing, profile),
    )
  else list.pass('required_claims', `present: ${required.join(', ')}`)

  const wrong = Object.entries(profile.claimValues).filter(([name, expected]) => claims[name] !== expected)
  if (wrong.length > 0)
    list.fail(
      'claim_values',
      'invalid_claim',
      wrong
        .map(
          ([name, expected]) =>
            `${name} is ${quote(claims[name])}, profile '${profile.name}' requires ${JSON.stringify(expected)}`,
        )
        .join('; '),
      'the token is another kind of token (an ID token?) than this profile accepts',
    )
  else if (Object.keys(profile.claimValues).length > 0)
    list.pass('claim_values', `as profile '${profile.name}' requires`)
}

/** Claim value types (jwt/claims.ts) and the shapes of the scope, role and client claims the profile reads. */
export function explainClaimTypes(
  claims: TokenClaims,
  profile: ResolvedProfile | undefined,
  list: CheckList,
): void {
  const bad: string[] = []
  const tryCheck = (name: string, check: () => unknown) => {
    try {
      check()
    } catch {
      bad.push(name)
    }
  }
  tryCheck('exp, nbf, iat, iss, sub, jti, client_id, aud, scope or scp', () => checkClaimTypes(claims))
  if (profile !== undefined) {
    tryCheck('the scope claims', () => readScopes(claims, profile, true))
    tryCheck('the role claims', () => readRoles(claims, profile, true))
    for (const name of profile.clientIdClaims)
      if (claims[name] !== undefined && typeof claims[name] !== 'string') bad.push(name)
  }
  if (bad.length > 0)
    list.fail(
      'claim_types',
      'invalid_claim',
      `a claim has the wrong type: ${bad.join('; ')} (RFC 7519 §4.1: NumericDates are numbers, identifiers strings)`,
      'the issuer must send these claims in their registered types',
    )
  else list.pass('claim_types', 'every claim read has its registered type')
}
