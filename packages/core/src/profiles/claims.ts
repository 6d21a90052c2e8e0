import { InvalidTokenError } from '../errors.js'
import type { TokenClaims } from '../types.js'
import { normalizeTyp } from '../jws/header.js'
import type { ResolvedProfile } from './types.js'

/**
 * The profile's rules over a JWT whose signature and issuer are verified: `typ`, the audience,
 * required claims and values, and the types of the claims the profile reads. Time claims are
 * checked apart (jwt/claims.ts), on every cache hit too.
 */
export function checkProfileClaims(
  header: Record<string, unknown>,
  claims: TokenClaims,
  profile: ResolvedProfile,
): void {
  // RFC 9068 §4: `typ` keeps ID tokens and other JWTs from passing as access tokens. A `typ` that
  // is present but not a string is refused even where the provider sends none.
  if (profile.typ !== false) {
    const typ = header.typ
    if (typ !== undefined && typeof typ !== 'string') throw new InvalidTokenError({ reason: 'wrong_type' })
    if (!profile.typ.has(normalizeTyp(typ))) throw new InvalidTokenError({ reason: 'wrong_type' })
  }
  checkAudience(claims, profile)
  for (const name of profile.requiredClaims) {
    if (claims[name] === undefined) throw new InvalidTokenError({ reason: 'missing_claim' })
  }
  for (const [name, expected] of Object.entries(profile.claimValues)) {
    if (claims[name] !== expected) throw new InvalidTokenError({ reason: 'invalid_claim' })
  }
  for (const name of profile.clientIdClaims) {
    if (claims[name] !== undefined && typeof claims[name] !== 'string') {
      throw new InvalidTokenError({ reason: 'invalid_claim' })
    }
  }
  // Reading them strictly now refuses a malformed scope or role claim before the token is accepted.
  readScopes(claims, profile, true)
  readRoles(claims, profile, true)
}

/** RFC 9068 §2.2: the audience is required and must name this resource (RFC 7519 §4.1.3). */
function checkAudience(claims: TokenClaims, profile: ResolvedProfile): void {
  const value = claims[profile.audienceClaim]
  if (value === undefined) throw new InvalidTokenError({ reason: 'missing_claim' })
  const listed = typeof value === 'string' ? [value] : Array.isArray(value) ? value : []
  if (!listed.some((item) => typeof item === 'string' && profile.audiences.has(item))) {
    throw new InvalidTokenError({ reason: 'wrong_audience' })
  }
}

/** Scopes from every claim the profile names (RFC 9068 §2.2.3: a space-separated string; or a list). */
export function readScopes(claims: TokenClaims, profile: ResolvedProfile, strict = false): string[] {
  const scopes = new Set<string>()
  for (const path of profile.scopeClaims) {
    const value = at(claims, path)
    if (value === undefined) continue
    for (const scope of stringsOf(value, false, strict)) scopes.add(scope)
  }
  return [...scopes]
}

/** Roles from every claim the profile names: a list, a space-separated string, or an object's keys (ZITADEL). */
export function readRoles(claims: TokenClaims, profile: ResolvedProfile, strict = false): string[] {
  const roles = new Set<string>()
  for (const template of profile.roleClaims) {
    for (const path of expand(template, profile.audiences)) {
      const value = at(claims, path)
      if (value === undefined) continue
      for (const role of stringsOf(value, true, strict)) roles.add(role)
    }
  }
  return [...roles]
}

/** The first client claim the profile names that is present (`client_id`, `azp`, `cid`, `appid`). */
export function readClientId(claims: TokenClaims, profile: ResolvedProfile): string | undefined {
  for (const name of profile.clientIdClaims) {
    const value = claims[name]
    if (typeof value === 'string') return value
  }
  return undefined
}

/** `{audience}` in a path segment stands for each audience of the issuer. */
function expand(path: readonly string[], audiences: ReadonlySet<string>): (readonly string[])[] {
  if (!path.some((segment) => segment.includes('{audience}'))) return [path]
  return [...audiences].map((audience) => path.map((segment) => segment.replaceAll('{audience}', audience)))
}

/** Own properties only: a claim path never reaches `Object.prototype` (`constructor`, `__proto__`). */
function at(claims: TokenClaims, path: readonly string[]): unknown {
  let value: unknown = claims
  for (const segment of path) {
    if (
      value === null ||
      typeof value !== 'object' ||
      Array.isArray(value) ||
      !Object.hasOwn(value, segment)
    ) {
      return undefined
    }
    value = (value as Record<string, unknown>)[segment]
  }
  return value
}

/** Strict: a value of another shape is `invalid_claim`. Lenient (introspection answers): its strings only. */
function stringsOf(value: unknown, objectKeys: boolean, strict: boolean): string[] {
  if (typeof value === 'string') return value.split(' ').filter((item) => item.length > 0)
  if (Array.isArray(value)) {
    if (strict && !value.every((item) => typeof item === 'string')) throw invalidClaim()
    return value.filter((item): item is string => typeof item === 'string' && item.length > 0)
  }
  if (objectKeys && value !== null && typeof value === 'object') {
    return Object.keys(value).filter((item) => item.length > 0)
  }
  if (strict) throw invalidClaim()
  return []
}

const invalidClaim = () => new InvalidTokenError({ reason: 'invalid_claim' })
