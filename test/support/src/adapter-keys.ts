import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'

export const ADAPTER_ISSUER = 'https://issuer.test/'
export const ADAPTER_AUDIENCE = 'https://api.test'
export type AdapterAlg = 'RS256' | 'ES256' | 'EdDSA'

/**
 * One signing key per algorithm (kid = alg), made in `beforeAll`, and an RFC 9068 token minter:
 * the fixture every adapter's own tests share.
 */
export function useAdapterKeys() {
  const keys: Partial<Record<AdapterAlg, { privateKey: CryptoKey; jwk: JWK }>> = {}

  beforeAll(async () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const pair = await generateKeyPair(alg, { extractable: true })
      keys[alg] = {
        privateKey: pair.privateKey as CryptoKey,
        jwk: { ...(await exportJWK(pair.publicKey)), kid: alg, alg },
      }
    }
  })

  return {
    keys,
    /** Public JWKs of every key (after `beforeAll`). */
    jwks: () => Object.values(keys).map((key) => key.jwk),
    /** A token for issuer/audience above, sub alice, client app, scope items:read, valid 60 s; `claims` override. */
    token(alg: AdapterAlg = 'RS256', claims: Record<string, unknown> = {}): Promise<string> {
      const now = Math.floor(Date.now() / 1000)
      return new SignJWT({
        iss: ADAPTER_ISSUER,
        aud: ADAPTER_AUDIENCE,
        sub: 'alice',
        client_id: 'app',
        scope: 'items:read',
        jti: `jti-${Math.random().toString(36).slice(2)}`,
        iat: now,
        exp: now + 60,
        ...claims,
      })
        .setProtectedHeader({ alg, kid: alg, typ: 'at+jwt' })
        .sign(keys[alg]!.privateKey)
    },
  }
}
