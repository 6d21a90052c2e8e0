import { hasPrivateMembers } from '../jws/header.js'

/**
 * What makes a JWK unusable as a verification key in a set we accept. One rule for both places
 * key sets come from: a set in configuration refuses such a member at construction (options/jwks.ts),
 * a set fetched from the network skips it (keys/jwks-response.ts).
 */

/** Why this JWK can never be a verification key in a set we accept, or `undefined` when it can. */
export function jwkProblem(jwk: unknown): string | undefined {
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) return 'is not a JSON object'
  const member = jwk as Record<string, unknown>
  if (typeof member.kty !== 'string') return 'has no "kty" string'
  // A shared secret in a key set would admit HS* tokens forged by anyone who can read the set.
  if (member.kty === 'oct') return 'is a symmetric key (kty "oct"); only public keys belong in a key set'
  if (hasPrivateMembers(member)) {
    return 'contains private key material; only public keys belong in a key set'
  }
  if (member.kid !== undefined && typeof member.kid !== 'string') return 'has a non-string "kid"'
  if (member.alg !== undefined && typeof member.alg !== 'string') return 'has a non-string "alg"'
  return undefined
}
