import {
  constants,
  createHmac,
  generateKeyPairSync,
  sign as cryptoSign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto'
import { AUDIENCE, ISSUER } from '@tokenguard/conformance'

/**
 * Raw JWS forging: header and payload are written as JSON *text* (so `1e400`, duplicate members and
 * deep nesting survive), signed with node:crypto, or not signed at all.
 */

export const b64 = (data: string | Buffer): string => Buffer.from(data).toString('base64url')

export interface TestKey {
  kid: string
  privateKey: KeyObject
  publicKey: KeyObject
  /** The published JWK: public members and `kid`, deliberately no `alg` (the widest key set). */
  jwk: JsonWebKey & { kid: string }
}

export function rsaKey(kid: string, modulusLength = 2048): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength })
  return { kid, privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid } }
}

export function ecKey(kid: string, namedCurve: 'P-256' | 'P-384' | 'P-521'): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve })
  return { kid, privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid } }
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' }

/** A JWS signature as RFC 7518 §3 defines it for `alg` (ECDSA as raw r‖s). */
export function signature(alg: string, key: KeyObject | Buffer | string, input: string): Buffer {
  const hash = HASH[alg.slice(2)]!
  const data = Buffer.from(input)
  if (alg.startsWith('HS'))
    return createHmac(hash, key as Buffer)
      .update(data)
      .digest()
  const privateKey = key as KeyObject
  if (alg.startsWith('RS')) return cryptoSign(hash, data, privateKey)
  if (alg.startsWith('PS')) {
    return cryptoSign(hash, data, {
      key: privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    })
  }
  if (alg.startsWith('ES')) return cryptoSign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
  throw new Error(`cannot sign ${alg}`)
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000)

/** A good RFC 9068 payload (as an object), valid for ten minutes from `now` (seconds). */
export function claims(extra: Record<string, unknown> = {}, now = nowSeconds()): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'alice',
    client_id: 'app',
    scope: 'items:read',
    jti: `jti-${Math.random().toString(36).slice(2)}`,
    iat: now,
    exp: now + 600,
    ...extra,
  }
}

export interface Parts {
  /** Header as an object (`typ: at+jwt` added unless given) or as raw JSON text. */
  header: Record<string, unknown> | string
  /** Payload as an object (merged over `claims()`) or as raw JSON text. */
  payload?: Record<string, unknown> | string
}

export function signingInput({ header, payload = {} }: Parts): string {
  const h = typeof header === 'string' ? header : JSON.stringify({ typ: 'at+jwt', ...header })
  const p = typeof payload === 'string' ? payload : JSON.stringify(claims(payload))
  return `${b64(h)}.${b64(p)}`
}

/** header.payload.signature, signed as `alg` with `key` (the header's own `alg` may say otherwise). */
export function forge(parts: Parts, alg: string, key: KeyObject | Buffer | string): string {
  const input = signingInput(parts)
  return `${input}.${b64(signature(alg, key, input))}`
}

/** header.payload.<given signature bytes> */
export function withSignature(parts: Parts, sig: Buffer | string): string {
  return `${signingInput(parts)}.${typeof sig === 'string' ? sig : b64(sig)}`
}

/** A genuine token from `key` with its `kid` and `alg`, good unless `header`/`payload` say otherwise. */
export function genuine(
  key: TestKey,
  alg: string,
  header: Record<string, unknown> = {},
  payload: Record<string, unknown> | string = {},
): string {
  return forge({ header: { alg, kid: key.kid, ...header }, payload }, alg, key.privateKey)
}

// ECDSA group orders (SEC 2).
export const CURVE_ORDER: Record<string, bigint> = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
}

export const toBytes = (value: bigint, length: number): Buffer =>
  Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex')
export const toBigInt = (bytes: Buffer): bigint => BigInt(`0x${bytes.toString('hex') || '0'}`)

/** The high-S twin of a raw ECDSA signature: (r, n − s) verifies exactly when (r, s) does. */
export function highSTwin(token: string, alg = 'ES256'): string {
  const dot = token.lastIndexOf('.')
  const sig = Buffer.from(token.slice(dot + 1), 'base64url')
  const half = sig.length / 2
  const s = toBigInt(sig.subarray(half))
  const twin = Buffer.concat([sig.subarray(0, half), toBytes(CURVE_ORDER[alg]! - s, half)])
  return `${token.slice(0, dot)}.${b64(twin)}`
}

/** Raw r‖s to ASN.1 DER (what OpenSSL emits by default, and what JWS forbids). */
export function rawToDer(raw: Buffer): Buffer {
  const integer = (bytes: Buffer) => {
    let i = 0
    while (i < bytes.length - 1 && bytes[i] === 0) i++
    let body = bytes.subarray(i)
    if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body])
    return Buffer.concat([Buffer.from([0x02, body.length]), body])
  }
  const half = raw.length / 2
  const seq = Buffer.concat([integer(raw.subarray(0, half)), integer(raw.subarray(half))])
  return Buffer.concat([Buffer.from([0x30, seq.length]), seq])
}

/** Replaces the signature segment of a token. */
export const resign = (token: string, sig: Buffer | string): string =>
  `${token.slice(0, token.lastIndexOf('.'))}.${typeof sig === 'string' ? sig : b64(sig)}`

export const sigOf = (token: string): Buffer =>
  Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url')
