import { classifyToken, decodeJws } from '../jwt/compact.js'
import type { DenylistEntry } from '../store/store.js'
import { tokenFingerprint } from './fingerprint.js'

/** What `validator.revoke` takes: a token as presented, or a JWT's identity. */
export type RevokeTarget = string | { jti: string; iss?: string; exp: number }

export interface RevokeSubjectOptions {
  /** Tokens issued before this instant are refused (a Date, or epoch seconds). Default: now. */
  issuedBefore?: Date | number
  /** Only this issuer's tokens; default every trusted issuer. */
  issuer?: string
}

interface Context {
  issuers: readonly string[]
  nowSeconds: number
  /** How long an entry lives when the token's own expiry is unknown, in seconds. */
  revocationTtl: number
}

/**
 * Denylist entries for one revocation. A token string yields its fingerprint (covering the signed
 * part) and, for a JWT with `jti`, an issuer-scoped `jti` entry; each expires with the token.
 */
export function entriesForToken(target: RevokeTarget, context: Context): DenylistEntry[] {
  if (typeof target !== 'string') return [jtiEntry(target, context)]
  if (typeof target !== 'string' || target.length === 0)
    throw new TypeError('revoke: pass a token or { jti, iss, exp }')
  const fallbackExpiry = context.nowSeconds + context.revocationTtl
  if (classifyToken(target) !== 'jws') {
    return [{ kind: 'fingerprint', key: tokenFingerprint(target), expiresAt: fallbackExpiry }]
  }
  const { payload } = decodeJws(target)
  const exp = typeof payload.exp === 'number' && Number.isFinite(payload.exp) ? payload.exp : fallbackExpiry
  const entries: DenylistEntry[] = [{ kind: 'fingerprint', key: tokenFingerprint(target), expiresAt: exp }]
  if (typeof payload.jti === 'string' && typeof payload.iss === 'string') {
    entries.push({ kind: 'jti', key: `${payload.iss}\n${payload.jti}`, expiresAt: exp })
  }
  return entries
}

function jtiEntry(target: { jti: string; iss?: string; exp: number }, context: Context): DenylistEntry {
  if (target === null || typeof target !== 'object' || typeof target.jti !== 'string' || target.jti === '') {
    throw new TypeError('revoke: `jti` must be a non-empty string')
  }
  if (typeof target.exp !== 'number' || !Number.isFinite(target.exp)) {
    throw new TypeError('revoke: `exp` must be the token expiry in epoch seconds')
  }
  const issuer = target.iss ?? soleIssuer(context.issuers, 'revoke')
  if (!context.issuers.includes(issuer)) throw new TypeError('revoke: `iss` is not a trusted issuer')
  return { kind: 'jti', key: `${issuer}\n${target.jti}`, expiresAt: target.exp }
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
  if (options.issuer !== undefined && !context.issuers.includes(options.issuer)) {
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
  if (issuers.length !== 1) throw new TypeError(`${name}: name \`iss\` when several issuers are trusted`)
  return issuers[0]!
}
