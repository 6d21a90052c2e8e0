import type { CryptoKey, JWSHeaderParameters, KeyObject } from 'jose'

/** A verification key as jose accepts it. */
export type VerificationKey = CryptoKey | KeyObject | Uint8Array

/**
 * Where the JWT strategy gets its keys. One per trusted issuer (or one shared, for a given
 * `jwksUri` or local key set). Implementations: `createLocalKeySet`, `createRemoteKeySet`.
 */
export interface KeySet {
  /**
   * The key for this protected header. Throws `InvalidTokenError` (reason `unknown_key`) when no
   * key matches even after any refresh the cooldown allows, and `UnavailableError`
   * (reason `keys_unavailable`) when the key set could not be loaded and nothing usable is cached.
   */
  getKey(header: JWSHeaderParameters): Promise<VerificationKey>
  /**
   * The key for this header without waiting, when the set already selected it and may use it now
   * (a remote set: its keys are fresh); otherwise `undefined`, and the caller asks `getKey`. Never
   * throws. Optional, so a custom key set may leave it out.
   */
  knownKey?(header: JWSHeaderParameters): VerificationKey | undefined
  /** Resolves once a key set has been loaded (remote: the first fetch); rejects with `UnavailableError`. */
  ready(): Promise<void>
  /** Called whenever the set of keys changes (a rotation), so caches of verified tokens can be emptied. */
  onChange(listener: () => void): void
  close(): void
}
