/**
 * DPoP-bound tokens issued by a real authorization server (oidc-provider, RFC 9449 §5), presented
 * to the API with proofs over real HTTP: JWT (cnf.jkt in the token) and opaque (cnf.jkt from
 * introspection).
 */
import { createHash, randomUUID } from 'node:crypto'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'
import { createValidator, requireToken } from '@tokenguard/express'
import { startAuthServer, type AuthServer } from '@tokenguard/test-support'
import { startApi, type Api } from './helpers'

const JWT_RESOURCE = 'https://api.example.test/jwt'
const OPAQUE_RESOURCE = 'https://api.example.test/opaque'
let as: AuthServer
let api: Api
let holder: { privateKey: CryptoKey; publicJwk: JWK }
let thief: { privateKey: CryptoKey; publicJwk: JWK }

async function proofKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  return { privateKey: privateKey as CryptoKey, publicJwk: { ...(await exportJWK(publicKey)), alg: 'ES256' } }
}

beforeAll(async () => {
  as = await startAuthServer()
  ;[holder, thief] = await Promise.all([proofKey(), proofKey()])
  const tokens = createValidator({
    issuer: as.issuer,
    audience: [JWT_RESOURCE, OPAQUE_RESOURCE],
    jwt: { algorithms: ['RS256'] },
    introspection: { clientId: 'api', clientSecret: 'api-secret' },
    dpop: { origin: 'https://api.example.test' },
  })
  api = await startApi([['/orders', requireToken(tokens, { strategy: 'hybrid' })]])
})
afterAll(async () => {
  await api?.close()
  await as?.stop()
})

async function proof(token: string, key = holder, htu = 'https://api.example.test/orders'): Promise<string> {
  return new SignJWT({
    htm: 'GET',
    htu,
    jti: randomUUID(),
    ath: createHash('sha256').update(token).digest('base64url'),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk })
    .setIssuedAt()
    .sign(key.privateKey)
}

describe.each(['jwt', 'opaque'] as const)('a DPoP-bound %s token from the authorization server', (kind) => {
  let token: string
  beforeAll(async () => {
    token = await as.getDpopToken(kind, holder, 'items:read')
  })

  it('is accepted with a proof by its key', async () => {
    const response = await api.http
      .get('/orders')
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', await proof(token))
    expect(response.status).toBe(200)
    expect(response.body.strategy).toBe(kind)
  })

  it('is refused as a plain bearer token', async () => {
    const response = await api.http.get('/orders').set('Authorization', `Bearer ${token}`)
    expect(response.status).toBe(401)
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm=.*error="invalid_token"/)
  })

  it('is refused with a proof by another key (a stolen token)', async () => {
    const response = await api.http
      .get('/orders')
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', await proof(token, thief))
    expect(response.status).toBe(401)
    expect(response.headers['www-authenticate']).toMatch(
      /^DPoP realm=.*error="invalid_dpop_proof".*algs="ES256 EdDSA PS256 RS256"$/,
    )
  })

  it('is refused with a replayed proof or one made for another URL', async () => {
    const once = await proof(token)
    expect(
      (await api.http.get('/orders').set('Authorization', `DPoP ${token}`).set('DPoP', once)).status,
    ).toBe(200)
    expect(
      (await api.http.get('/orders').set('Authorization', `DPoP ${token}`).set('DPoP', once)).status,
    ).toBe(401)
    const elsewhere = await proof(token, holder, 'https://api.example.test/payments')
    expect(
      (await api.http.get('/orders').set('Authorization', `DPoP ${token}`).set('DPoP', elsewhere)).status,
    ).toBe(401)
  })
})
