import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'

export const ISSUER = 'https://issuer.test/'
export const AUDIENCE = 'https://api.test'
export const REALM = 'items'

export interface SigningKey {
  kid: string
  privateKey: CryptoKey
  publicJwk: JWK
}

/** An RS256 key pair; `kid` names it in the token header and in the published key set. */
export async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  return {
    kid,
    privateKey: privateKey as CryptoKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256' },
  }
}

/**
 * An RFC 9068 access token, good for a minute; `claims` and `header` override the defaults
 * (undefined removes one), so each rejection class is one override away from a good token.
 */
export function accessToken(
  key: SigningKey,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const payload = dropUndefined({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'alice',
    client_id: 'app',
    scope: 'items:read',
    jti: `jti-${Math.random().toString(36).slice(2)}`,
    iat: now,
    exp: now + 60,
    ...claims,
  })
  const protectedHeader = dropUndefined({ alg: 'RS256', kid: key.kid, typ: 'at+jwt', ...header })
  return new SignJWT(payload).setProtectedHeader(protectedHeader as never).sign(key.privateKey)
}

/** `alg: none` (RFC 7519 §6): a header, a payload and an empty signature. */
export function unsecuredToken(claims: Record<string, unknown> = {}): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  return `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', exp: now + 60, ...claims })}.`
}

/** Five segments: the compact shape of a JWE (RFC 7516 §7.1), which a resource server cannot read. */
export function jweShapedToken(): string {
  const header = Buffer.from(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })).toString('base64url')
  return `${header}.ZW5jcnlwdGVka2V5.aXZpdml2aXZpdg.Y2lwaGVydGV4dA.dGFndGFndGFn`
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined))
}
