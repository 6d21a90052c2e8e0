import { InvalidTokenError } from '../errors.js'

/**
 * Protected-header rules every JWS this library reads shares (access tokens, DPoP proofs, SETs).
 */

/** `typ` compares case-insensitively, with an optional `application/` prefix (RFC 7515 §4.1.9). */
export function normalizeTyp(typ: unknown): string | null {
  if (typeof typ !== 'string') return null
  const lower = typ.toLowerCase()
  return lower.startsWith('application/') ? lower.slice(12) : lower
}

/**
 * Members that exist only in private (or secret) JWKs: RFC 7518 §6.2.2 (EC `d`), §6.3.2 (RSA `d`,
 * `p`, `q`, `dp`, `dq`, `qi`, `oth`), RFC 8037 §2 (OKP `d`), §6.4.1 (oct `k`), and AKP `priv`.
 */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'] as const

/** True when `jwk` carries any private or secret key material. */
export function hasPrivateMembers(jwk: object): boolean {
  return PRIVATE_JWK_MEMBERS.some((name) => name in jwk)
}

/**
 * RFC 7515 §4.1.11: we understand no extension, so any `crit` is refused; and `b64` at all
 * (RFC 7797 §6: none of our formats uses an unencoded payload).
 */
export function refuseExtensions(header: Record<string, unknown>): void {
  if (header.crit !== undefined || header.b64 !== undefined)
    throw new InvalidTokenError({ reason: 'malformed_token' })
}
