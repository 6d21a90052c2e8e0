import { createLocalJWKSet, errors, type JWSHeaderParameters, type LocalJWKSet } from 'jose'
import { InvalidTokenError } from '../errors.js'
import type { CheckedJwkSet } from '../options/jwks.js'
import type { KeySet, VerificationKey } from './key-set.js'

/**
 * A key set given in configuration (`jwt.jwks`, `transmitter.jwks`, a resolver's `jwks`). Key
 * selection by `kid`, `alg`, `kty`, `use` and `key_ops` is jose's (`createLocalJWKSet`); this file
 * remembers its answers and maps jose's selection errors onto our token errors. The set itself was
 * checked where it entered (options/jwks.ts).
 */

export interface LocalKeySetOptions {
  /** The JWS algorithms tokens may use, resolved (`jwt.algorithms`); a header naming another one is refused. */
  algorithms: readonly string[]
}

/** jose's selection, plus a synchronous look-up of the answers it already gave. */
export type RememberedSelect = LocalJWKSet & {
  /** The key selected before for this header's `alg` and `kid`, or `undefined`. */
  known(header: JWSHeaderParameters): VerificationKey | undefined
}

/** The remembered-answer key of a header, or `undefined` when a non-string `kid` rules it out. */
function selectionId({ alg, kid }: JWSHeaderParameters): string | undefined {
  if (kid !== undefined && typeof kid !== 'string') return undefined
  return kid === undefined ? `${alg}` : `${alg}\n${kid}`
}

/**
 * jose's selection with its answers remembered: it depends on the header's `alg` and `kid` alone
 * (a string `kid`, or none), so each pair is looked up once per key set instead of filtering the
 * set on every cold token. Only keys found are kept, so made-up `kid`s cannot grow the map: it
 * holds at most one entry per key and algorithm.
 */
export function rememberSelections(select: LocalJWKSet): RememberedSelect {
  const found = new Map<string, VerificationKey>()
  const remembering = async (header: JWSHeaderParameters) => {
    const id = selectionId(header)
    if (id === undefined) return select(header)
    const known = found.get(id)
    if (known !== undefined) return known
    const key = await select(header)
    found.set(id, key)
    return key
  }
  const known = (header: JWSHeaderParameters) => {
    const id = selectionId(header)
    return id === undefined ? undefined : found.get(id)
  }
  return Object.assign(remembering, { jwks: select.jwks, known }) as RememberedSelect
}

/** A remembered key for an allowed algorithm, without waiting; else `undefined` (ask `selectKey`). */
export function rememberedKey(
  select: RememberedSelect,
  algorithms: readonly string[],
  header: JWSHeaderParameters,
): VerificationKey | undefined {
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) return undefined
  return select.known(header)
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
 * A key set from configuration, checked where the option entered (options/jwks.ts: public keys
 * only) and with `algorithms` already resolved; nothing here checks configuration again.
 *
 * @example
 * ```ts
 * const keys = createLocalKeySet(checkJwkSet({ keys: [publicJwk] }, 'jwks'), { algorithms: ['ES256'] })
 * const { payload } = await jwtVerify(token, (header) => keys.getKey(header), { algorithms: ['ES256'] })
 * ```
 */
export function createLocalKeySet(jwks: CheckedJwkSet, options: LocalKeySetOptions): KeySet {
  const { algorithms } = options
  const select = rememberSelections(createLocalJWKSet(jwks))
  return {
    getKey: (header) => selectKey(select, algorithms, header),
    knownKey: (header) => rememberedKey(select, algorithms, header),
    ready: async () => {},
    // Local keys never change while the process runs.
    onChange: () => {},
    close: () => {},
  }
}
