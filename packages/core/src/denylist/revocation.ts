import type { DenylistEntry } from '../store/store.js'
import type { AuthContext, TokenClaims } from '../types.js'
import { presentedFingerprint, tokenFingerprint } from './fingerprint.js'

/** A JWT's identity, for revoking it without the token itself (`exp` is capped: see `maxRevocationLifetime`). */
export interface RevokeById {
  jti: string
  /** Required when several issuers are trusted; must be one of them. */
  iss?: string
  /** The token's expiry, in epoch seconds: the entry lives until then (at most now + `maxRevocationLifetime`). */
  exp: number
}

/** What `validator.revoke` takes: a token as presented, the `AuthContext` a route attached, or a JWT's identity. */
export type RevokeTarget = string | AuthContext | RevokeById

export interface RevokeSubjectOptions {
  /** Tokens issued before this instant are refused (a Date, or epoch seconds). Default: now. */
  issuedBefore?: Date | number
  /** Only this issuer's tokens; default every trusted issuer. */
  issuer?: string
}

interface Context {
  /** The listed issuers; empty when an issuer resolver decides trust per token (then `iss` is named). */
  issuers: readonly string[]
  nowSeconds: number
  /** How long an entry lives when the token's own expiry is unknown, in seconds. */
  revocationTtl: number
  /** The longest life of a `{ jti, iss, exp }` entry, in seconds. */
  maxRevocationLifetime: number
}

const FORMS = 'pass a token (a string or an AuthContext) or { jti, iss, exp }'

/** A revocation as asked for: a token string to verify, or a JWT's identity. Throws a `TypeError` otherwise. */
export type RevocationRequest = { token: string } | { id: RevokeById }

export function revocationRequest(target: unknown): RevocationRequest {
  if (typeof target === 'string') {
    if (target.length === 0) throw new TypeError(`revoke: the token is empty; ${FORMS}`)
    return { token: target }
  }
  if (target === null || typeof target !== 'object') throw new TypeError(`revoke: ${FORMS}`)
  const record = target as Record<string, unknown>
  // An AuthContext: its token is verified again like a string (a context is only an object anyone can build).
  if (record.strategy === 'jwt' || record.strategy === 'opaque') {
    if (typeof record.token !== 'string' || record.token === '')
      throw new TypeError(`revoke: the AuthContext carries no token; ${FORMS}`)
    return { token: record.token }
  }
  if (!('jti' in record)) throw new TypeError(`revoke: ${FORMS}`)
  if (typeof record.jti !== 'string' || record.jti === '')
    throw new TypeError(`revoke: \`jti\` must be a non-empty string; ${FORMS}`)
  if (typeof record.exp !== 'number' || !Number.isFinite(record.exp))
    throw new TypeError(`revoke: \`exp\` must be the token expiry in epoch seconds; ${FORMS}`)
  if (record.iss !== undefined && (typeof record.iss !== 'string' || record.iss === ''))
    throw new TypeError(`revoke: \`iss\` must be a non-empty string; ${FORMS}`)
  return { id: { jti: record.jti, iss: record.iss, exp: record.exp } }
}

/**
 * Denylist entries for a token string. `verified` holds its claims only when the token verified
 * (signature, trusted issuer; time claims aside): then its fingerprint and issuer-scoped `jti`
 * entry expire with the token. Anything else is an opaque string: only its fingerprint is
 * revoked, for `revocationTtl`, so a made-up token can neither name a victim's `jti` nor choose
 * how long its entry is kept. Its fingerprint then covers the whole string, signature included
 * (`presentedFingerprint`): a junk signature over a victim's signing input revokes nothing else.
 */
export function entriesForToken(
  token: string,
  verified: TokenClaims | undefined,
  context: Context,
): DenylistEntry[] {
  if (verified === undefined || typeof verified.exp !== 'number' || typeof verified.iss !== 'string') {
    const expiresAt = context.nowSeconds + context.revocationTtl
    return [{ kind: 'fingerprint', key: presentedFingerprint(token), expiresAt }]
  }
  const { exp, iss, jti } = verified
  const entries: DenylistEntry[] = [{ kind: 'fingerprint', key: tokenFingerprint(token), expiresAt: exp }]
  if (typeof jti === 'string') entries.push({ kind: 'jti', key: `${iss}\n${jti}`, expiresAt: exp })
  return entries
}

/** A `jti` entry from a caller's word: the issuer must be trusted and the entry's life is capped. */
export function entryForId(id: RevokeById, context: Context): DenylistEntry {
  const issuer = id.iss ?? soleIssuer(context.issuers, 'revoke')
  if (context.issuers.length > 0 && !context.issuers.includes(issuer))
    throw new TypeError('revoke: `iss` is not a trusted issuer')
  const expiresAt = Math.min(id.exp, context.nowSeconds + context.maxRevocationLifetime)
  return { kind: 'jti', key: `${issuer}\n${id.jti}`, expiresAt }
}

/** A not-before cut-off for a subject, per issuer; it lasts as long as a token issued before it could. */
export function entriesForSubject(
  subject: string,
  options: RevokeSubjectOptions,
  context: Context,
): DenylistEntry[] {
  if (typeof subject !== 'string' || subject === '')
    throw new TypeError('revokeSubject: `sub` must be a non-empty string')
  const cutOff = options.issuedBefore
  const issuedBefore =
    cutOff === undefined ? context.nowSeconds : cutOff instanceof Date ? cutOff.getTime() / 1000 : cutOff
  if (typeof issuedBefore !== 'number' || !Number.isFinite(issuedBefore)) {
    throw new TypeError('revokeSubject: `issuedBefore` must be a Date or epoch seconds')
  }
  // With an issuer resolver nothing is listed: the caller names the issuer (else nothing would be revoked).
  if (context.issuers.length === 0 && options.issuer === undefined)
    throw new TypeError('revokeSubject: name `issuer` when issuers are resolved per token')
  if (
    options.issuer !== undefined &&
    context.issuers.length > 0 &&
    !context.issuers.includes(options.issuer)
  ) {
    throw new TypeError('revokeSubject: `issuer` is not a trusted issuer')
  }
  const issuers = options.issuer !== undefined ? [options.issuer] : context.issuers
  return issuers.map((issuer) => ({
    kind: 'subject',
    key: `${issuer}\n${subject}`,
    issuedBefore,
    expiresAt: Math.max(issuedBefore, context.nowSeconds) + context.revocationTtl,
  }))
}

function soleIssuer(issuers: readonly string[], name: string): string {
  if (issuers.length === 0) throw new TypeError(`${name}: name \`iss\` when issuers are resolved per token`)
  if (issuers.length !== 1) throw new TypeError(`${name}: name \`iss\` when several issuers are trusted`)
  return issuers[0]!
}
