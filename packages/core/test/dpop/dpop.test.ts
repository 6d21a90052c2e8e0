import { createHash, randomUUID } from 'node:crypto'
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'
import {
  MemoryStore,
  createValidator,
  TokenError,
  type RequestLike,
  type ValidatorOptions,
} from '../../src/index'
import { AUDIENCE, ISSUER, NOW, accessToken, signingKey, type SigningKey } from '../helpers/tokens'

let issuerKey: SigningKey
let holder: { privateKey: CryptoKey; jwk: JWK; jkt: string }
let thief: { privateKey: CryptoKey; jwk: JWK; jkt: string }
let clock = NOW * 1000

async function proofKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(publicKey)
  return { privateKey: privateKey as CryptoKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') }
}

beforeAll(async () => {
  issuerKey = await signingKey('RS256')
  holder = await proofKey()
  thief = await proofKey()
})
beforeEach(() => {
  clock = NOW * 1000
})

function validator(
  dpop: ValidatorOptions['dpop'] = { origin: 'https://api.test' },
  extra: Partial<ValidatorOptions> = {},
) {
  return createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => clock,
    jwt: { algorithms: ['RS256'], jwks: { keys: [issuerKey.publicJwk] } },
    dpop,
    ...extra,
  })
}

const ath = (token: string) => createHash('sha256').update(token).digest('base64url')

interface ProofParts {
  key?: typeof holder
  header?: Record<string, unknown>
  claims?: Record<string, unknown>
}

async function proof(
  token: string,
  { key = holder, header = {}, claims = {} }: ProofParts = {},
): Promise<string> {
  const payload: Record<string, unknown> = {
    jti: randomUUID(),
    htm: 'GET',
    htu: 'https://api.test/items',
    iat: NOW,
    ath: ath(token),
    ...claims,
  }
  for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name]
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk, ...header } as never)
    .sign(key.privateKey)
}

const boundToken = () => accessToken(issuerKey, { cnf: { jkt: holder.jkt } })

function dpopRequest(
  token: string,
  dpopProof: string | string[] | undefined,
  extra: Partial<RequestLike> = {},
): RequestLike {
  const headers: RequestLike['headers'] = {
    authorization: `DPoP ${token}`,
    host: 'api.test',
    ...extra.headers,
  }
  const rawHeaders = ['Authorization', `DPoP ${token}`]
  if (typeof dpopProof === 'string') {
    headers.dpop = dpopProof
    rawHeaders.push('DPoP', dpopProof)
  } else if (Array.isArray(dpopProof)) {
    headers.dpop = dpopProof[0]
    for (const value of dpopProof) rawHeaders.push('DPoP', value)
  }
  return { method: 'GET', url: '/items?page=2', ...extra, headers, rawHeaders }
}

async function answer(promise: Promise<unknown>) {
  try {
    const auth = await promise
    return { status: 200, auth }
  } catch (error) {
    if (!(error instanceof TokenError)) throw error
    return { status: error.status, code: error.code, reason: error.reason, headers: error.headers }
  }
}

/** A real MemoryStore that counts replay-guard round trips (one per DPoP proof checked). */
class CountingStore extends MemoryStore {
  replayChecks = 0
  override addIfAbsent(key: string, ttlMs: number): Promise<boolean> {
    this.replayChecks++
    return super.addIfAbsent(key, ttlMs)
  }
}

describe('DPoP on a sensitive route: the denylist comes before the binding', () => {
  it('a revoked bound token is refused without a proof check or a replay-store round trip', async () => {
    const store = new CountingStore({ now: () => clock })
    const v = validator(undefined, { store })
    const sensitive = v.route({ sensitive: true })
    const token = await boundToken()
    expect((await answer(sensitive(dpopRequest(token, await proof(token))))).status).toBe(200)
    expect(store.replayChecks).toBe(1)
    await v.revoke(token)
    const refused = await answer(sensitive(dpopRequest(token, await proof(token))))
    expect(refused).toMatchObject({ status: 401, code: 'invalid_token', reason: 'revoked' })
    expect(store.replayChecks).toBe(1)
    // Even a proof that would fail (a replay) never gets looked at: the revocation answers first.
    expect(await answer(sensitive(dpopRequest(token, 'not-a-proof')))).toMatchObject({ reason: 'revoked' })
    await v.close()
  })
})

describe('DPoP (RFC 9449)', () => {
  it('accepts a bound token with a good proof, and the binding shows in the context', async () => {
    const token = await boundToken()
    const result = await answer(validator().authenticate(dpopRequest(token, await proof(token))))
    expect(result).toMatchObject({ status: 200, auth: { binding: { type: 'dpop', thumbprint: holder.jkt } } })
  })

  it('refuses a replayed proof, with a DPoP challenge naming the algorithms', async () => {
    const v = validator()
    const token = await boundToken()
    const once = await proof(token)
    expect((await answer(v.authenticate(dpopRequest(token, once)))).status).toBe(200)
    expect(await answer(v.authenticate(dpopRequest(token, once)))).toEqual({
      status: 401,
      code: 'invalid_dpop_proof',
      reason: 'dpop_replay',
      headers: {
        'WWW-Authenticate':
          'DPoP realm="https://api.test", error="invalid_dpop_proof", error_description="The DPoP proof is invalid", algs="ES256 Ed25519 EdDSA PS256 RS256"',
      },
    })
  })

  it('refuses a DPoP-bound token presented as a bearer token', async () => {
    const token = await boundToken()
    const result = await answer(
      validator().authenticate({ method: 'GET', headers: { authorization: `Bearer ${token}` } }),
    )
    expect(result).toMatchObject({ status: 401, code: 'invalid_token', reason: 'binding_mismatch' })
    expect(result.headers?.['WWW-Authenticate']).toMatch(/^Bearer /)
  })

  it('refuses an unbound token under the DPoP scheme', async () => {
    const token = await accessToken(issuerKey)
    expect(await answer(validator().authenticate(dpopRequest(token, await proof(token))))).toMatchObject({
      status: 401,
      code: 'invalid_token',
      reason: 'binding_mismatch',
    })
  })

  it('refuses a proof by another key than the one the token is bound to (a stolen token)', async () => {
    const token = await boundToken()
    expect(
      await answer(validator().authenticate(dpopRequest(token, await proof(token, { key: thief })))),
    ).toMatchObject({
      status: 401,
      code: 'invalid_dpop_proof',
      reason: 'binding_mismatch',
    })
  })

  it.each<[string, ProofParts | 'missing' | 'twice' | 'garbage']>([
    ['no DPoP header', 'missing'],
    ['two DPoP headers', 'twice'],
    ['a proof that is not a JWS', 'garbage'],
    ['another method', { claims: { htm: 'POST' } }],
    ['another host', { claims: { htu: 'https://evil.test/items' } }],
    ['another path', { claims: { htu: 'https://api.test/other' } }],
    ['http instead of https', { claims: { htu: 'http://api.test/items' } }],
    ['an htu that is not a URI', { claims: { htu: 'items' } }],
    ['no jti', { claims: { jti: undefined } }],
    ['an old iat', { claims: { iat: NOW - 120 } }],
    ['an iat in the future', { claims: { iat: NOW + 60 } }],
    ['no ath', { claims: { ath: undefined } }],
    ['the ath of another token', { claims: { ath: ath('other') } }],
    ['typ JWT', { header: { typ: 'JWT' } }],
    ['a private key in jwk', { header: { jwk: 'PRIVATE' } }],
    ['no jwk', { header: { jwk: undefined } }],
    ['a jwk that does not match the signature', { header: { jwk: 'THIEF' } }],
  ])('refuses %s with invalid_dpop_proof', async (_, given) => {
    const token = await boundToken()
    // Keys exist only once beforeAll ran: resolve the placeholders here.
    const jwk = typeof given === 'object' ? given.header?.jwk : undefined
    const parts =
      jwk === 'PRIVATE'
        ? { header: { jwk: { ...holder.jwk, d: 'AAAA' } } }
        : jwk === 'THIEF'
          ? { header: { jwk: thief.jwk } }
          : given
    const proofs =
      parts === 'missing'
        ? undefined
        : parts === 'twice'
          ? [await proof(token), await proof(token)]
          : parts === 'garbage'
            ? 'not-a-proof'
            : await proof(token, parts)
    expect(await answer(validator().authenticate(dpopRequest(token, proofs)))).toMatchObject({
      status: 401,
      code: 'invalid_dpop_proof',
    })
  })

  it('accepts a path matching htu case-insensitively in scheme and host, and ignores the query', async () => {
    const token = await boundToken()
    const result = await answer(
      validator().authenticate(
        dpopRequest(token, await proof(token, { claims: { htu: 'HTTPS://API.test:443/items?x=1' } })),
      ),
    )
    expect(result.status).toBe(200)
  })

  describe('without a configured origin', () => {
    const hosts = { allowedHosts: ['api.test'] }

    it('builds htu from an allowed Host header', async () => {
      const token = await boundToken()
      const request = dpopRequest(token, await proof(token), { protocol: 'https' })
      expect((await answer(validator(hosts).authenticate(request))).status).toBe(200)
    })

    it('refuses a Host header that is not allowed', async () => {
      const token = await boundToken()
      const request = dpopRequest(token, await proof(token, { claims: { htu: 'https://evil.test/items' } }), {
        protocol: 'https',
        headers: { host: 'evil.test' },
      })
      expect((await answer(validator(hosts).authenticate(request))).code).toBe('invalid_dpop_proof')
    })

    it('honours X-Forwarded-* only when the proxy is trusted', async () => {
      const token = await boundToken()
      const forwarded = {
        host: 'internal:8080',
        'x-forwarded-host': 'api.test',
        'x-forwarded-proto': 'https',
      }
      const untrusted = dpopRequest(token, await proof(token), { headers: forwarded })
      expect((await answer(validator(hosts).authenticate(untrusted))).code).toBe('invalid_dpop_proof')
      const trusted = dpopRequest(token, await proof(token), { headers: forwarded })
      expect((await answer(validator({ ...hosts, trustProxy: true }).authenticate(trusted))).status).toBe(200)
    })
  })

  describe('server nonces (RFC 9449 §8)', () => {
    const withNonce = { origin: 'https://api.test', nonce: { secret: 'n'.repeat(32), lifetime: 60 } }

    it('asks for a nonce, then accepts a proof carrying it, until it expires', async () => {
      const v = validator(withNonce)
      const token = await boundToken()
      const first = await answer(v.authenticate(dpopRequest(token, await proof(token))))
      expect(first).toMatchObject({ status: 401, code: 'use_dpop_nonce' })
      const nonce = first.headers?.['DPoP-Nonce']
      expect(nonce).toMatch(/^[a-z0-9]+\.[A-Za-z0-9_-]+$/)
      expect(
        (await answer(v.authenticate(dpopRequest(token, await proof(token, { claims: { nonce } }))))).status,
      ).toBe(200)
      clock += 61_000
      const late = await answer(
        v.authenticate(dpopRequest(token, await proof(token, { claims: { nonce, iat: NOW + 61 } }))),
      )
      expect(late.code).toBe('use_dpop_nonce')
    })

    it('refuses a forged nonce', async () => {
      const token = await boundToken()
      const forged = `${Math.floor(clock).toString(36)}.AAAA`
      expect(
        (
          await answer(
            validator(withNonce).authenticate(
              dpopRequest(token, await proof(token, { claims: { nonce: forged } })),
            ),
          )
        ).code,
      ).toBe('use_dpop_nonce')
    })
  })

  it('with dpop.required, refuses a bearer token with a DPoP challenge', async () => {
    const token = await accessToken(issuerKey)
    const result = await answer(
      validator({ origin: 'https://api.test', required: true }).authenticate({
        method: 'GET',
        headers: { authorization: `Bearer ${token}` },
      }),
    )
    expect(result).toMatchObject({ status: 401, code: 'invalid_token', reason: 'dpop_required' })
    expect(result.headers?.['WWW-Authenticate']).toMatch(
      /^DPoP realm=.*algs="ES256 Ed25519 EdDSA PS256 RS256"$/,
    )
  })

  it('without dpop options, the DPoP scheme is not accepted', async () => {
    const token = await boundToken()
    const plain = createValidator({
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => clock,
      jwt: { algorithms: ['RS256'], jwks: { keys: [issuerKey.publicJwk] } },
    })
    expect(await answer(plain.authenticate(dpopRequest(token, await proof(token))))).toMatchObject({
      status: 401,
      code: undefined,
    })
  })

  it.each<[string, unknown, RegExp]>([
    ['no origin nor allowedHosts', {}, /`origin` or `allowedHosts`/],
    ['an HS algorithm', { origin: 'https://a.test', algorithms: ['HS256'] }, /`dpop.algorithms`/],
    ['a short nonce secret', { origin: 'https://a.test', nonce: { secret: 'short' } }, /`dpop.nonce.secret`/],
    ['a bad origin', { origin: 'nope' }, /`dpop.origin`/],
  ])('refuses dpop options with %s', (_, dpop, message) => {
    expect(() => validator(dpop as never)).toThrow(message)
  })
})

describe('mutual-TLS bound tokens (RFC 8705)', () => {
  const der = Buffer.from('a certificate in DER form, for the test')
  const x5t = createHash('sha256').update(der).digest('base64url')
  const mtlsValidator = (certificateHeader?: string) =>
    createValidator({
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => clock,
      jwt: { algorithms: ['RS256'], jwks: { keys: [issuerKey.publicJwk] } },
      mtls: { certificateHeader },
    })

  it('accepts the token over a connection that presented the certificate', async () => {
    const token = await accessToken(issuerKey, { cnf: { 'x5t#S256': x5t } })
    const request = {
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
      peerCertificate: () => der,
    }
    expect(await answer(mtlsValidator().authenticate(request))).toMatchObject({
      status: 200,
      auth: { binding: { type: 'mtls' } },
    })
  })

  it.each<[string, (() => Uint8Array | undefined) | undefined]>([
    ['no certificate', undefined],
    ['another certificate', () => Buffer.from('another')],
  ])('refuses the token with %s', async (_, peerCertificate) => {
    const token = await accessToken(issuerKey, { cnf: { 'x5t#S256': x5t } })
    const request = { method: 'GET', headers: { authorization: `Bearer ${token}` }, peerCertificate }
    expect(await answer(mtlsValidator().authenticate(request))).toMatchObject({
      status: 401,
      reason: 'binding_mismatch',
    })
  })

  it('reads a certificate forwarded by a trusted terminator, only when configured', async () => {
    const token = await accessToken(issuerKey, { cnf: { 'x5t#S256': x5t } })
    const rfc9440 = { authorization: `Bearer ${token}`, 'client-cert': `:${der.toString('base64')}:` }
    expect(
      (await answer(mtlsValidator('Client-Cert').authenticate({ method: 'GET', headers: rfc9440 }))).status,
    ).toBe(200)
    expect((await answer(mtlsValidator().authenticate({ method: 'GET', headers: rfc9440 }))).status).toBe(401)
    const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`
    const nginx = { authorization: `Bearer ${token}`, 'x-ssl-cert': encodeURIComponent(pem) }
    expect(
      (await answer(mtlsValidator('X-SSL-Cert').authenticate({ method: 'GET', headers: nginx }))).status,
    ).toBe(200)
  })
})

describe('resource_metadata in challenges (RFC 9728 §5.1)', () => {
  it('names the metadata URL in every challenge', async () => {
    const v = validator(undefined, {
      resourceMetadata: 'https://api.test/.well-known/oauth-protected-resource',
    })
    const result = await answer(v.authenticate({ method: 'GET', headers: {} }))
    expect(result.headers?.['WWW-Authenticate']).toBe(
      'Bearer realm="https://api.test", resource_metadata="https://api.test/.well-known/oauth-protected-resource"',
    )
  })
})
