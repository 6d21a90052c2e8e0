import { InvalidTokenError } from '../errors.js'
import type { VerificationKey } from '../keys/key-set.js'
import { decodeJws, type CompactJws, type DecodedJws } from './decode.js'
import { refuseExtensions } from './header.js'
import { verifySignature } from './signature.js'

/** What a caller allows: the rest of the JWS rules are the kernel's and the same for every caller. */
export interface JwsRules {
  /** Pinned algorithms (RFC 8725 §3.1); the header's `alg` must be one of them. */
  algorithms: readonly string[]
  /**
   * Whether this header's `typ` is accepted (RFC 8725 §3.11). Unset when the accepted `typ`
   * depends on a lookup the key step makes anyway (the JWT strategy: the issuer's profile).
   */
  typ?(header: Readonly<Record<string, unknown>>): boolean
  /**
   * The verification key. Runs only after `alg`, `crit` and `typ` passed, so a bad header never
   * costs a key fetch; may read the unverified payload to choose (RFC 8725 §3.8: `iss` selects
   * among trusted issuers only); throws the caller's own error when no key is acceptable.
   */
  key(
    header: Readonly<Record<string, unknown>>,
    payload: Readonly<Record<string, unknown>>,
    alg: string,
  ): Promise<VerificationKey> | VerificationKey
}

/** The signature step: throws `invalid_token` unless the signature holds. Swappable for the A/B bench. */
export type SignatureBackend = (
  decoded: DecodedJws,
  alg: string,
  key: VerificationKey,
  token: string | CompactJws,
) => void | Promise<void>

/** node:crypto on KeyObjects (jws/signature.ts): what the bench found fastest end to end. */
export const nodeBackend: SignatureBackend = (decoded, alg, key) =>
  verifySignature(alg, key, decoded.signingInput, decoded.signature)

export interface VerifiedJws {
  header: Record<string, unknown>
  payload: Record<string, unknown>
}

/** A JWS whose header passed the kernel's checks: decoded, its `alg` one of the pinned ones. */
export interface CheckedJws extends DecodedJws {
  alg: string
}

/**
 * The kernel's checks before any key is looked up, synchronous: decode once (canonical base64url,
 * strict UTF-8, JSON objects), then `alg` against the pinned list, `crit`/`b64` and `typ`. A
 * caller that finds its key without waiting (the JWT strategy) runs this, then `checkSignature`.
 */
export function checkJwsHeader(input: string | CompactJws, rules: Omit<JwsRules, 'key'>): CheckedJws {
  const decoded = decodeJws(input) as CheckedJws
  const alg = decoded.header.alg
  if (typeof alg !== 'string' || !rules.algorithms.includes(alg))
    throw new InvalidTokenError({ reason: 'algorithm_not_allowed' })
  refuseExtensions(decoded.header)
  if (rules.typ !== undefined && !rules.typ(decoded.header))
    throw new InvalidTokenError({ reason: 'wrong_type' })
  decoded.alg = alg
  return decoded
}

/**
 * The JWS kernel: `checkJwsHeader`, then key selection and the signature. Every JWS this library
 * trusts (access tokens, DPoP proofs, SETs, revocation) passes these steps; the claims are the
 * caller's. Throws `InvalidTokenError` (`malformed_token`, `encrypted_token`,
 * `algorithm_not_allowed`, `wrong_type`, `bad_signature`) or what `rules.key` throws.
 */
export async function verifyJws(
  input: string | CompactJws,
  rules: JwsRules,
  backend: SignatureBackend = nodeBackend,
): Promise<VerifiedJws> {
  const decoded = checkJwsHeader(input, rules)
  const { header, payload, alg } = decoded
  // The key comes from the caller's rules only: `jku`, `x5u`, `x5c` (and `jwk`, unless the caller
  // reads it, as DPoP does) are never followed.
  const key = await rules.key(header, payload, alg)
  const checked = backend(decoded, alg, key, input)
  if (checked !== undefined) await checked
  return { header, payload }
}
