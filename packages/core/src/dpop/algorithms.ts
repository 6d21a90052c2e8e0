/**
 * The proof algorithms a validator accepts when `dpop.algorithms` is not given, in the order its
 * `algs` challenge parameter (RFC 9449 §7.1) and `dpop_signing_alg_values_supported` (RFC 9728 §2)
 * list them. `Ed25519` is the fully-specified name of RFC 9864 §2.2, which clients such as
 * oauth4webapi sign EdDSA-key proofs with; `EdDSA` stays for clients that have not moved yet.
 * `Ed448` (RFC 9864 §2.2 too) is left out: neither jose nor WebCrypto on Node 20 implements it.
 */
export const DEFAULT_DPOP_ALGORITHMS: readonly string[] = Object.freeze([
  'ES256',
  'Ed25519',
  'EdDSA',
  'PS256',
  'RS256',
])
