/**
 * DPoP-bound tokens issued by a real authorization server (oidc-provider, RFC 9449 §5), presented
 * to the API with proofs over real HTTP: JWT (cnf.jkt in the token) and opaque (cnf.jkt from
 * introspection).
 */
import { createHash, randomUUID } from 'node:crypto'
import { request as httpRequest } from 'node:http'
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

async function proofKey(alg: 'ES256' | 'Ed25519' = 'ES256') {
  const { privateKey, publicKey } = await generateKeyPair(alg)
  return { privateKey: privateKey as CryptoKey, publicJwk: { ...(await exportJWK(publicKey)), alg } }
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
  // The alg each key was made for: `Ed25519` is RFC 9864's name, the one oauth4webapi signs with.
  return new SignJWT({
    htm: 'GET',
    htu,
    jti: randomUUID(),
    ath: createHash('sha256').update(token).digest('base64url'),
  })
    .setProtectedHeader({ alg: key.publicJwk.alg!, typ: 'dpop+jwt', jwk: key.publicJwk })
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
      /^DPoP realm=.*error="invalid_dpop_proof".*algs="ES256 Ed25519 EdDSA PS256 RS256"$/,
    )
  })

  it('is accepted through a request line in absolute form (RFC 9112 §3.2.2)', async () => {
    const { port, hostname } = new URL(api.url)
    const response = await new Promise<number>((resolve, reject) => {
      // node:http sends `path` as the request target as given: here an absolute URI.
      const request = httpRequest(
        {
          host: hostname,
          port,
          path: 'https://api.example.test/orders',
          headers: { authorization: `DPoP ${token}` },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      request.on('error', reject)
      void proof(token).then((dpop) => {
        request.setHeader('dpop', dpop)
        request.end()
      }, reject)
    })
    expect(response).toBe(200)
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

// oauth4webapi signs the proofs of an Ed25519 key with the fully-specified `alg: Ed25519` (RFC 9864);
// oidc-provider binds the token to such a key, and the API must take the same proofs.
describe('a DPoP-bound token whose key signs with alg Ed25519 (RFC 9864)', () => {
  let edHolder: Awaited<ReturnType<typeof proofKey>>
  let edToken: string
  beforeAll(async () => {
    edHolder = await proofKey('Ed25519')
    edToken = await as.getDpopToken('jwt', edHolder, 'items:read')
  })

  it('is bound by the authorization server and accepted with an Ed25519 proof', async () => {
    const response = await api.http
      .get('/orders')
      .set('Authorization', `DPoP ${edToken}`)
      .set('DPoP', await proof(edToken, edHolder))
    expect(response.status).toBe(200)
  })

  it('is refused with an Ed25519 proof by another key', async () => {
    const other = await proofKey('Ed25519')
    const response = await api.http
      .get('/orders')
      .set('Authorization', `DPoP ${edToken}`)
      .set('DPoP', await proof(edToken, other))
    expect(response.status).toBe(401)
  })
})
