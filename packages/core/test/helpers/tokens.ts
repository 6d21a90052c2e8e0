import { KeyObject, createSign } from 'node:crypto'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose'

export const ISSUER = 'https://issuer.test/'
export const AUDIENCE = 'https://api.test'
export const NOW = 1_700_000_000

export interface SigningKey {
  alg: string
  kid: string
  privateKey: CryptoKey
  publicJwk: JWK
}

export async function signingKey(
  alg: 'RS256' | 'ES256' | 'EdDSA' | 'PS256',
  kid = `${alg}-key`,
): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { alg, kid, privateKey: privateKey as CryptoKey, publicJwk }
}

/** An RFC 9068 access token; `claims` and `header` override the defaults (undefined removes one). */
export async function accessToken(
  key: SigningKey,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const payload: Record<string, unknown> = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'alice',
    client_id: 'app',
    scope: 'items:read',
    jti: 'jti-1',
    iat: NOW,
    exp: NOW + 300,
    ...claims,
  }
  for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name]
  const protectedHeader: Record<string, unknown> = { alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header }
  for (const name of Object.keys(protectedHeader))
    if (protectedHeader[name] === undefined) delete protectedHeader[name]
  return new SignJWT(payload as JWTPayload).setProtectedHeader(protectedHeader as never).sign(key.privateKey)
}

/** Replaces one segment of a compact token with the base64url of `value`. */
export function withSegment(token: string, index: 0 | 1, value: unknown): string {
  const parts = token.split('.')
  parts[index] = Buffer.from(JSON.stringify(value)).toString('base64url')
  return parts.join('.')
}

/** Signs any header and payload with RS256 through node:crypto, bypassing jose's own checks. */
export function signRaw(
  key: SigningKey,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = `${encode(header)}.${encode(payload)}`
  const signature = createSign('RSA-SHA256').update(input).sign(KeyObject.from(key.privateKey))
  return `${input}.${signature.toString('base64url')}`
}
