import { createLocalJWKSet, errors, type JWK, type JWSHeaderParameters, type LocalJWKSet } from 'jose'
import { InvalidTokenError } from '../errors.js'
import type { KeySet, VerificationKey } from './key-set.js'
import { hasPrivateMembers } from '../jws/header.js'

/**
 * A key set given in configuration (`jwt.jwks`), checked once at construction. Key selection by
 * `kid`, `alg`, `kty`, `use` and `key_ops` is jose's (`createLocalJWKSet`); this file adds the
 * configuration checks and maps jose's selection errors onto our token errors.
 */

export interface LocalKeySetOptions {
  /** The JWS algorithms tokens may use (`jwt.algorithms`); a header naming another one is refused. */
  algorithms: readonly string[]
}

/**
 * Why this JWK can never be a verification key in a set we accept, or `undefined` when it can.
 * Shared with the remote key set, which skips such keys instead of refusing the whole set.
 */
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

/** Checks `jwt.algorithms` once: a non-empty list, never `none` or a shared-secret (HS*) algorithm. */
export function checkAlgorithms(algorithms: unknown): readonly string[] {
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    !algorithms.every((a) => typeof a === 'string')
  ) {
    throw new TypeError('jwt.algorithms must be a non-empty array of JWS algorithm names')
  }
  for (const alg of algorithms) {
    // RFC 8725 §3.1 and §3.2: pin asymmetric algorithms; `none` and HMAC have no place with public keys.
    if (alg === 'none' || alg.startsWith('HS')) {
      throw new TypeError(
        `jwt.algorithms must not contain "${alg}": only asymmetric algorithms verify with a key set`,
      )
    }
  }
  return [...algorithms]
}

/**
 * jose's selection with its answers remembered: it depends on the header's `alg` and `kid` alone
 * (a string `kid`, or none), so each pair is looked up once per key set instead of filtering the
 * set on every cold token. Only keys found are kept, so made-up `kid`s cannot grow the map: it
 * holds at most one entry per key and algorithm.
 */
export function rememberSelections(select: LocalJWKSet): LocalJWKSet {
  const found = new Map<string, Promise<VerificationKey>>()
  const remembering = async (header: JWSHeaderParameters) => {
    const { alg, kid } = header
    if (kid !== undefined && typeof kid !== 'string') return select(header)
    const id = kid === undefined ? `${alg}` : `${alg}\n${kid}`
    const known = found.get(id)
    if (known !== undefined) return known
    const key = await select(header)
    found.set(id, Promise.resolve(key))
    return key
  }
  return Object.assign(remembering, { jwks: select.jwks }) as LocalJWKSet
}

/** Selects a key with jose and turns every selection failure into `InvalidTokenError` (401). */
export async function selectKey(
  select: LocalJWKSet,
  algorithms: readonly string[],
  header: JWSHeaderParameters,
): Promise<VerificationKey> {
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
    throw new InvalidTokenError({ reason: 'algorithm_not_allowed' })
  }
  try {
    return await select(header)
  } catch (error) {
    // No match, several matches (an ambiguous set without `kid`s: RFC 7515 §4.1.4), or a key that
    // does not import: the token cannot be verified, which is the token's problem, not an outage.
    throw new InvalidTokenError({ reason: 'unknown_key', cause: error })
  }
}

/** Whether `selectKey` failed because no key matched (the case a remote set refetches for). */
export function isNoMatchingKey(error: unknown): boolean {
  return error instanceof InvalidTokenError && error.cause instanceof errors.JWKSNoMatchingKey
}

/**
 * A key set from configuration. Refuses (with a `TypeError` naming `jwt.jwks`) anything that is not
 * a JWK set of public keys, so a misconfiguration fails at startup rather than on the first request.
 *
 * @example
 * ```ts
 * const keys = createLocalKeySet({ keys: [publicJwk] }, { algorithms: ['ES256'] })
 * const { payload } = await jwtVerify(token, (header) => keys.getKey(header), { algorithms: ['ES256'] })
 * ```
 */
export function createLocalKeySet(jwks: { keys: JWK[] }, options: LocalKeySetOptions): KeySet {
  const algorithms = checkAlgorithms(options?.algorithms)
  if (jwks === null || typeof jwks !== 'object' || !Array.isArray(jwks.keys)) {
    throw new TypeError('jwt.jwks must be a JWK set: an object with a "keys" array')
  }
  jwks.keys.forEach((jwk, index) => {
    const problem = jwkProblem(jwk)
    if (problem !== undefined) throw new TypeError(`jwt.jwks.keys[${index}] ${problem}`)
  })
  let select: LocalJWKSet
  try {
    select = rememberSelections(createLocalJWKSet(jwks))
  } catch (cause) {
    throw new TypeError('jwt.jwks must be a JWK set: an object with a "keys" array', { cause })
  }
  return {
    getKey: (header) => selectKey(select, algorithms, header),
    ready: async () => {},
    // Local keys never change while the process runs.
    onChange: () => {},
    close: () => {},
  }
}
