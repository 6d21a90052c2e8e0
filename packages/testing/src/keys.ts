/** The issuer's signing keys: one per algorithm signs, rotated-out ones stay usable to mint with. */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type KeyObject } from 'jose'
import type { Jwk } from './jwk.js'
import type { SigningAlg } from './options.js'

export interface SigningKey {
  kid: string
  alg: SigningAlg
  privateKey: CryptoKey | KeyObject
  publicJwk: Jwk
}

export interface RotateKeysOptions {
  /**
   * Keep publishing the previous keys in the JWKS (tokens they signed still verify): `true` all of
   * them, `false` none, a number that many previous generations (`1`: the keys just replaced).
   * Default true.
   */
  keepOld?: boolean | number
}

export interface KeyRing {
  /** The `kid` currently signing for each algorithm. */
  signingKids(): Partial<Record<SigningAlg, string>>
  /** The key to sign with: the one of `kid` (any ever held), else the current one of `alg`. */
  signingKey(select: { kid?: string; alg?: SigningAlg }): SigningKey
  /** Generates a new key per algorithm, which signs from now on; resolves with the new `kid`s. */
  rotate(options: RotateKeysOptions): Promise<string[]>
  /** The public key set served at `/jwks` (fresh copies). */
  publicJwks(): { keys: Jwk[] }
}

export async function createKeyRing(algorithms: readonly SigningAlg[]): Promise<KeyRing> {
  // Every key ever generated, by kid: rotated-out keys can still sign, to test unknown-kid paths.
  const allKeys = new Map<string, SigningKey>()
  const generate = async (): Promise<SigningKey[]> => {
    const keys = await Promise.all(algorithms.map(newKey))
    for (const key of keys) allKeys.set(key.kid, key)
    return keys
  }
  // Published generations, newest first; each rotation adds one.
  let generations = [await generate()]
  let current = new Map(generations[0]!.map((key) => [key.alg, key]))

  return {
    signingKids: () => Object.fromEntries([...current].map(([alg, key]) => [alg, key.kid])),
    signingKey({ kid, alg }) {
      if (kid !== undefined) {
        const key = allKeys.get(kid)
        if (key === undefined) throw new Error(`test issuer: no key with kid "${kid}"`)
        if (alg !== undefined && alg !== key.alg)
          throw new Error(`test issuer: key "${kid}" is ${key.alg}, not ${alg}`)
        return key
      }
      const wanted = alg ?? algorithms[0]!
      const key = current.get(wanted)
      if (key === undefined)
        throw new Error(`test issuer: no ${wanted} key (configured algorithms: ${algorithms.join(', ')})`)
      return key
    },
    async rotate({ keepOld = true }) {
      if (typeof keepOld !== 'boolean' && !(Number.isInteger(keepOld) && keepOld >= 0))
        throw new TypeError(
          'rotateKeys: `keepOld` must be a boolean or a number of generations, zero or more',
        )
      const fresh = await generate()
      const kept = keepOld === true ? generations : generations.slice(0, keepOld === false ? 0 : keepOld)
      generations = [fresh, ...kept]
      current = new Map(fresh.map((key) => [key.alg, key]))
      return fresh.map((key) => key.kid)
    },
    publicJwks: () => ({ keys: generations.flat().map((key) => ({ ...key.publicJwk })) }),
  }
}

async function newKey(alg: SigningAlg): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {})
  const jwk = await exportJWK(publicKey)
  // RFC 7638 thumbprint as kid: stable for the key, unique across rotations.
  const kid = await calculateJwkThumbprint(jwk)
  return { kid, alg, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } }
}
