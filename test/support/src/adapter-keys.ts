import { createTestIssuer, type Jwk, type TestIssuer } from '../../../packages/testing/src/index'

export const ADAPTER_ISSUER = 'https://issuer.test/'
export const ADAPTER_AUDIENCE = 'https://api.test'
export type AdapterAlg = 'RS256' | 'ES256' | 'EdDSA'

/**
 * The fixture every adapter's own tests share, on the published test kit: one signing key per
 * algorithm, made in `beforeAll`, and an RFC 9068 token minter. The kit's issuer also listens on
 * 127.0.0.1 (closed in `afterAll`); these tests give the validator its keys locally.
 */
export function useAdapterKeys() {
  let issuer: TestIssuer | undefined
  const keys: Partial<Record<AdapterAlg, { jwk: Jwk }>> = {}

  beforeAll(async () => {
    issuer = await createTestIssuer({
      audience: ADAPTER_AUDIENCE,
      subject: 'alice',
      clientId: 'app',
      expiresIn: 60,
    })
    for (const jwk of issuer.publicJwks().keys) keys[jwk.alg as AdapterAlg] = { jwk }
  })
  afterAll(() => issuer?.close())

  const started = (): TestIssuer => {
    if (issuer === undefined)
      throw new Error('useAdapterKeys: call it at the top of a test file (keys are made in beforeAll)')
    return issuer
  }

  return {
    /** The public key of each algorithm, by algorithm (after `beforeAll`). */
    keys,
    /** Public JWKs of every key (after `beforeAll`). */
    jwks: (): Jwk[] => started().publicJwks().keys,
    /** A token for issuer/audience above, sub alice, client app, scope items:read, valid 60 s; `claims` override. */
    token(alg: AdapterAlg = 'RS256', claims: Record<string, unknown> = {}): Promise<string> {
      return started().jwt({ alg, scope: 'items:read', claims: { iss: ADAPTER_ISSUER, ...claims } })
    },
  }
}
