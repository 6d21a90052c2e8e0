import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { createValidator, type Validator } from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM, type RunningApp } from '@tokenguard/conformance'
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'
import { Agent } from 'undici'
import { HARNESSES, INVALID_TOKEN, attack, bearer, expectNothingLeaked, expectRefused } from './src/attack'
import { genuine, nowSeconds, rsaKey } from './src/forge'
import { createTestIssuer, introspectionOf, opaqueAnswering, type TestIssuer } from './src/issuer'

// Confirmation (`cnf`, RFC 7800): every binding a token carries is enforced, on JWTs and on
// introspected tokens alike. A token bound both to a DPoP key (RFC 9449) and to a client
// certificate (RFC 8705) needs both; a malformed confirmation is `invalid_token`, never a plain
// bearer token. The TLS terminator's certificate arrives in `Client-Cert` (RFC 9440).
const rsa = rsaKey('rsa-main')
const jwks = { keys: [rsa.jwk] as never[] }
const ORIGIN = 'https://api.test'
const certificate = randomBytes(600) // what the terminator saw; only its SHA-256 matters here
const otherCertificate = randomBytes(600)
const x5t = createHash('sha256').update(certificate).digest('base64url')
const clientCert = (der: Buffer): [string, string] => ['Client-Cert', `:${der.toString('base64')}:`]

let holder: { privateKey: CryptoKey; jwk: JWK; jkt: string }
let as: TestIssuer
let dispatcher: Agent
beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(publicKey)
  holder = { privateKey: privateKey as CryptoKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') }
  as = await createTestIssuer()
  dispatcher = new Agent()
})
afterAll(async () => {
  await dispatcher?.close()
  await as?.close()
})

/** A fresh DPoP proof by the holder's key for GET `path` with this access token. */
function proof(token: string, path: string): Promise<string> {
  return new SignJWT({
    jti: randomUUID(),
    htm: 'GET',
    htu: `${ORIGIN}${path}`,
    iat: nowSeconds(),
    ath: createHash('sha256').update(token).digest('base64url'),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: holder.jwk })
    .sign(holder.privateKey)
}

type Make = (cnf: unknown) => string
const kinds: Array<[string, string, (as: TestIssuer) => Make]> = [
  ['a JWT', '/jwt', () => (cnf) => genuine(rsa, 'RS256', {}, { cnf })],
  [
    'an introspected token',
    '/opaque',
    (server) => (cnf) => {
      const response: Record<string, unknown> = {
        iss: ISSUER,
        aud: AUDIENCE,
        sub: 'bob',
        scope: 'items:read',
        exp: nowSeconds() + 600,
      }
      if (cnf !== undefined) response.cnf = cnf
      return opaqueAnswering(server, response)
    },
  ],
]

describe.each(HARNESSES)('$name: confirmation (cnf) binding', (harness) => {
  let app: RunningApp
  let validator: Validator
  beforeAll(async () => {
    validator = createValidator({
      issuer: ISSUER,
      audience: AUDIENCE,
      realm: REALM,
      jwt: { algorithms: ['RS256'], jwks },
      introspection: introspectionOf(as),
      dpop: { origin: ORIGIN },
      mtls: { certificateHeader: 'client-cert' },
      dispatcher,
    })
    app = await harness.start(validator, [
      { path: '/jwt', method: 'GET', route: { strategy: 'jwt' } },
      { path: '/opaque', method: 'GET', route: { strategy: 'opaque' } },
    ])
  })
  afterAll(async () => {
    await app?.close()
    await validator?.close()
  })

  const dpopHeaders = async (token: string, path: string) => [
    ['Authorization', `DPoP ${token}`] as [string, string],
    ['DPoP', await proof(token, path)] as [string, string],
  ]
  const expectDpopRefusal = (answer: Awaited<ReturnType<typeof attack>>, token: string) => {
    expect(answer.status).toBe(401)
    expect(['invalid_token', 'invalid_dpop_proof']).toContain((answer.json as { error?: string }).error)
    expect(String(answer.headers['www-authenticate'])).toMatch(/^DPoP /)
    expectNothingLeaked(answer, token)
  }

  describe.each(kinds)('%s', (_kind, path, maker) => {
    const make = (cnf: unknown) => maker(as)(cnf)
    const both = () => make({ jkt: holder.jkt, 'x5t#S256': x5t })

    it('bound both ways: the DPoP proof and the certificate together are accepted', async () => {
      const token = both()
      const headers = [...(await dpopHeaders(token, path)), clientCert(certificate)]
      const answer = await attack(app.url, path, { headers })
      expect(answer.status).toBe(200)
      expect((answer.json as { auth: { binding: unknown } }).auth.binding).toEqual({
        type: 'dpop',
        thumbprint: holder.jkt,
        jkt: holder.jkt,
        x5tS256: x5t,
      })
    })

    it('bound both ways: a good DPoP proof without the certificate is refused', async () => {
      const token = both()
      expectDpopRefusal(await attack(app.url, path, { headers: await dpopHeaders(token, path) }), token)
    })

    it('bound both ways: a good DPoP proof with another certificate is refused', async () => {
      const token = both()
      const headers = [...(await dpopHeaders(token, path)), clientCert(otherCertificate)]
      expectDpopRefusal(await attack(app.url, path, { headers }), token)
    })

    it('bound both ways: the certificate alone, as a bearer token, is refused', async () => {
      const token = both()
      const answer = await attack(app.url, path, { headers: [...bearer(token), clientCert(certificate)] })
      expectRefused(answer, INVALID_TOKEN, token, REALM)
    })

    it('certificate-bound only: accepted with the certificate, refused without it', async () => {
      const token = make({ 'x5t#S256': x5t })
      const withCert = await attack(app.url, path, { headers: [...bearer(token), clientCert(certificate)] })
      expect(withCert.status).toBe(200)
      expectRefused(await attack(app.url, path, { headers: bearer(token) }), INVALID_TOKEN, token, REALM)
    })

    // Each would have turned a bound token into a plain bearer token; the certificate is sent
    // along, so a refusal can only come from the confirmation itself.
    it.each<[string, unknown]>([
      ['jkt: 123', { jkt: 123 }],
      ['x5t#S256: 123', { 'x5t#S256': 123 }],
      ['jkt: ""', { jkt: '' }],
      ['x5t#S256: ""', { 'x5t#S256': '' }],
      ['jkt a list', { jkt: ['k'] }],
      ['a good x5t#S256 beside jkt: 123', { jkt: 123, 'x5t#S256': x5t }],
      ['a good x5t#S256 beside x5t-like junk', { 'x5t#S256': x5t, 'x5t#S256 ': 1 }],
      ['cnf a string', 'bound'],
      ['cnf a number', 1],
      ['cnf true', true],
      ['cnf null', null],
      ['cnf a list', [{ 'x5t#S256': x5t }]],
      ['cnf empty', {}],
      ['cnf with a jwk (a method we cannot check)', { jwk: { kty: 'EC', crv: 'P-256' } }],
    ])('a malformed confirmation (%s) is invalid_token', async (_name, cnf) => {
      const token = make(cnf)
      const answer = await attack(app.url, path, { headers: [...bearer(token), clientCert(certificate)] })
      expectRefused(answer, INVALID_TOKEN, token, REALM)
    })
  })
})
