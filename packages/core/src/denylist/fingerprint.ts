import { hash } from 'node:crypto'
import { classifyToken } from '../jws/decode.js'

/**
 * A token's fingerprint: SHA-256 of what its issuer vouched for. For a JWS that is the signing
 * input (`header.payload`), not the signature: an ECDSA signature has a valid high-S twin, and a
 * revoked token must not come back under its twin. Base64url is canonical (jws/decode.ts), so
 * the signing input has one spelling. An opaque token is fingerprinted whole.
 */
export function tokenFingerprint(token: string): string {
  return fingerprintOf(token, classifyToken(token) === 'jws')
}

/** `tokenFingerprint` for a caller that already knows whether the token is a JWS (no header parse). */
export function fingerprintOf(token: string, isJws: boolean): string {
  const signed = isJws ? token.slice(0, token.lastIndexOf('.')) : token
  // `crypto.hash`, the one-shot form: no Hash object per call (this runs on sensitive requests).
  return hash('sha256', signed, 'base64url')
}

/**
 * SHA-256 of the whole string as presented, signature included: what an *unverified* string is
 * revoked by. Nobody vouched for its signing input, and that input is no secret (a JWT's header
 * and payload can be rebuilt from its claims), so a junk signature over a victim's signing input
 * must not revoke the victim's token. For an opaque token this equals `tokenFingerprint`.
 */
export function presentedFingerprint(token: string): string {
  return hash('sha256', token, 'base64url')
}
