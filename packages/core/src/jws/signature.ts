import { KeyObject, constants, createHmac, timingSafeEqual, verify as cryptoVerify } from 'node:crypto'
import { InvalidTokenError } from '../errors.js'
import type { CryptoKey } from 'jose'
import type { VerificationKey } from '../keys/key-set.js'

/**
 * JWS signature verification (RFC 7515 §5.2, algorithms of RFC 7518 §3 and RFC 8037) on Node
 * `KeyObject`s. jose still selects and imports the keys; the check itself runs through
 * `crypto.verify`, which costs a fraction of the WebCrypto path on every cold token. Each key is
 * converted and checked against each `alg` once (RFC 8725 §3.1: the key decides what an algorithm
 * may mean, never the other way round).
 */

interface AlgorithmSpec {
  hash: string | null
  /** Key types (`KeyObject.asymmetricKeyType`) this algorithm may use. */
  keyTypes: readonly string[]
  curve?: string
  /** ECDSA signatures are the raw r‖s of this many bytes (RFC 7518 §3.4). */
  signatureLength?: number
  pss?: boolean
}

const ALGORITHMS: Record<string, AlgorithmSpec> = {
  RS256: { hash: 'sha256', keyTypes: ['rsa'] },
  RS384: { hash: 'sha384', keyTypes: ['rsa'] },
  RS512: { hash: 'sha512', keyTypes: ['rsa'] },
  PS256: { hash: 'sha256', keyTypes: ['rsa', 'rsa-pss'], pss: true },
  PS384: { hash: 'sha384', keyTypes: ['rsa', 'rsa-pss'], pss: true },
  PS512: { hash: 'sha512', keyTypes: ['rsa', 'rsa-pss'], pss: true },
  ES256: { hash: 'sha256', keyTypes: ['ec'], curve: 'prime256v1', signatureLength: 64 },
  ES384: { hash: 'sha384', keyTypes: ['ec'], curve: 'secp384r1', signatureLength: 96 },
  ES512: { hash: 'sha512', keyTypes: ['ec'], curve: 'secp521r1', signatureLength: 132 },
  EdDSA: { hash: null, keyTypes: ['ed25519', 'ed448'] },
  Ed25519: { hash: null, keyTypes: ['ed25519'] },
}

const HMAC: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }

// RFC 8725 §3.5 / NIST: RSA keys below 2048 bits are refused (as jose does).
const MIN_RSA_BITS = 2048

type VerifyKey = Parameters<typeof cryptoVerify>[2]

/**
 * Per key (a jose `CryptoKey` or a `KeyObject`) and algorithm: the argument `crypto.verify` takes,
 * or `null` when the key may not serve that algorithm. The key checks run once per pair instead
 * of on every token; keys come from key sets that hand out the same object each time.
 */
const verifyKeys = new WeakMap<object, Map<string, VerifyKey | null>>()

function verifyKeyFor(alg: string, spec: AlgorithmSpec, key: CryptoKey | KeyObject): VerifyKey | null {
  let perAlg = verifyKeys.get(key)
  if (perAlg === undefined) {
    perAlg = new Map()
    verifyKeys.set(key, perAlg)
  }
  let verifyKey = perAlg.get(alg)
  if (verifyKey === undefined) {
    verifyKey = checkedKey(spec, key instanceof KeyObject ? key : KeyObject.from(key))
    perAlg.set(alg, verifyKey)
  }
  return verifyKey
}

function checkedKey(spec: AlgorithmSpec, keyObject: KeyObject): VerifyKey | null {
  if (keyObject.type !== 'public' || !spec.keyTypes.includes(keyObject.asymmetricKeyType ?? '')) return null
  const details = keyObject.asymmetricKeyDetails
  if (spec.curve !== undefined && details?.namedCurve !== spec.curve) return null
  if (keyObject.asymmetricKeyType?.startsWith('rsa') && (details?.modulusLength ?? 0) < MIN_RSA_BITS)
    return null
  if (spec.pss)
    return {
      key: keyObject,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    }
  return spec.signatureLength !== undefined ? { key: keyObject, dsaEncoding: 'ieee-p1363' } : keyObject
}

/** Throws `invalid_token` unless `signature` is a valid `alg` signature of `signingInput` under `key`. */
export function verifySignature(
  alg: string,
  key: VerificationKey,
  signingInput: string,
  signature: Buffer,
): void {
  const hmac = HMAC[alg]
  if (hmac !== undefined) {
    if (!(key instanceof Uint8Array)) throw mismatch()
    const expected = createHmac(hmac, key).update(signingInput).digest()
    if (expected.length !== signature.length || !timingSafeEqual(expected, signature)) throw badSignature()
    return
  }
  const spec = ALGORITHMS[alg]
  if (spec === undefined || key instanceof Uint8Array) throw mismatch()
  const verifyKey = verifyKeyFor(alg, spec, key as CryptoKey | KeyObject)
  if (verifyKey === null) throw mismatch()
  if (spec.signatureLength !== undefined && signature.length !== spec.signatureLength) throw badSignature()

  let valid: boolean
  try {
    valid = cryptoVerify(spec.hash, Buffer.from(signingInput), verifyKey, signature)
  } catch {
    valid = false // a signature OpenSSL cannot even parse is simply not valid
  }
  if (!valid) throw badSignature()
}

function mismatch(): InvalidTokenError {
  return new InvalidTokenError({ reason: 'algorithm_not_allowed', description: undefined })
}

function badSignature(): InvalidTokenError {
  return new InvalidTokenError({ reason: 'bad_signature' })
}
