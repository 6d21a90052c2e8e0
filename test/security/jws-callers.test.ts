import { createHash, randomUUID, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { createSetReceiver, createValidator, type SetReceiver, type Validator } from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM, type RunningApp } from '@tokenguard/conformance'
import { HARNESSES, attack, bearer, parseChallenge } from './src/attack'
import { b64, claims, ecKey, nowSeconds, rsaKey, signature, type TestKey } from './src/forge'

// One JWS kernel checks access tokens, DPoP proofs and SETs: every forgery of the protected header,
// the key and the encoding is refused by each of the three alike. A row is one forgery; each caller
// builds it from its own genuine header and payload and submits it its own way.

const ORIGIN = 'https://api.example'
const TRANSMITTER = 'https://transmitter.test/'
const RECEIVER = 'https://api.test/events'
const issuerKey = rsaKey('issuer-rsa')
const transmitterKey = rsaKey('tx-rsa')
const proofKey = ecKey('proof', 'P-256')
const attacker = rsaKey('issuer-rsa') // the issuer's kid, another key
const attackerEc = ecKey('proof', 'P-256')
const publicJwk = (key: TestKey): JWK => {
  const { kty, crv, x, y, n, e } = key.jwk as JWK
  return { kty, crv, x, y, n, e } as JWK
}

/** What each caller signs when it is genuine. */
interface Caller {
  name: string
  alg: string
  key: TestKey
  header(): Record<string, unknown>
  payload(): Record<string, unknown>
}

const callers: Record<'access token' | 'DPoP proof' | 'SET', Caller> = {
  'access token': {
    name: 'access token',
    alg: 'RS256',
    key: issuerKey,
    header: () => ({ typ: 'at+jwt', alg: 'RS256', kid: issuerKey.kid }),
    payload: () => claims(),
  },
  'DPoP proof': {
    name: 'DPoP proof',
    alg: 'ES256',
    key: proofKey,
    header: () => ({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk(proofKey) }),
    payload: () => ({
      htm: 'GET',
      htu: `${ORIGIN}/jwt`,
      jti: randomUUID(),
      iat: nowSeconds(),
      ath: createHash('sha256').update(boundToken).digest('base64url'),
    }),
  },
  SET: {
    name: 'SET',
    alg: 'RS256',
    key: transmitterKey,
    header: () => ({ typ: 'secevent+jwt', alg: 'RS256', kid: transmitterKey.kid }),
    payload: () => ({ iss: TRANSMITTER, aud: RECEIVER, iat: nowSeconds(), jti: randomUUID(), events: {} }),
  },
}

const encode = (header: object, payload: object) =>
  `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`
const signAs = (input: string, alg: string, key: KeyObject | Buffer | string) =>
  `${input}.${b64(signature(alg, key, input))}`
/** The caller's genuine JWS with `extra` merged into its header, signed by `key` (default its own). */
const signed = (c: Caller, extra: Record<string, unknown> = {}, key: KeyObject = c.key.privateKey) =>
  signAs(encode({ ...c.header(), ...extra }, c.payload()), c.alg, key)
const sigOf = (jws: string) => jws.slice(jws.lastIndexOf('.') + 1)
const otherKey = (c: Caller) => (c.alg === 'ES256' ? attackerEc : attacker)

const forgeries: Array<[string, (c: Caller) => string]> = [
  ['alg none, empty signature', (c) => `${encode({ ...c.header(), alg: 'none' }, c.payload())}.`],
  [
    'alg None, a genuine signature',
    (c) => `${encode({ ...c.header(), alg: 'None' }, c.payload())}.${sigOf(signed(c))}`,
  ],
  [
    'alg HS256 keyed with the public key (algorithm confusion)',
    (c) =>
      signAs(
        encode({ ...c.header(), alg: 'HS256' }, c.payload()),
        'HS256',
        c.key.publicKey.export({ format: 'pem', type: 'spki' }),
      ),
  ],
  [
    'alg absent',
    (c) => signAs(encode({ ...c.header(), alg: undefined }, c.payload()), c.alg, c.key.privateKey),
  ],
  ['crit naming an extension', (c) => signed(c, { crit: ['exp'], exp: 1 })],
  ['an empty crit', (c) => signed(c, { crit: [] })],
  ['b64 false with crit (RFC 7797)', (c) => signed(c, { b64: false, crit: ['b64'] })],
  ['b64 false without crit', (c) => signed(c, { b64: false })],
  ['typ of another JWT kind', (c) => signed(c, { typ: 'JWT' })],
  ['typ absent', (c) => signed(c, { typ: undefined })],
  ['signed by another key under the genuine kid / jwk', (c) => signed(c, {}, otherKey(c).privateKey)],
  [
    'kid path traversal, signed by another key',
    (c) => signed(c, { kid: '../../../../dev/null' }, otherKey(c).privateKey),
  ],
  ['kid as a number', (c) => signed(c, { kid: 1 }, otherKey(c).privateKey)],
  [
    'jku / x5u / x5c naming the attacker, signed by the attacker',
    (c) =>
      signed(
        c,
        { jku: 'https://attacker.test/jwks', x5u: 'https://attacker.test/c', x5c: ['AA'] },
        otherKey(c).privateKey,
      ),
  ],
  ['one signature bit flipped', (c) => flip(signed(c))],
  ['padded base64url signature', (c) => `${signed(c)}=`],
  ['a JWE-shaped string', () => 'eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d'],
]

function flip(jws: string): string {
  const bytes = Buffer.from(sigOf(jws), 'base64url')
  bytes[bytes.length - 1]! ^= 0x01
  return `${jws.slice(0, jws.lastIndexOf('.'))}.${b64(bytes)}`
}

let boundToken = ''
let receiver: SetReceiver
const revoked: unknown[] = []

beforeAll(async () => {
  const jkt = await calculateJwkThumbprint(publicJwk(proofKey), 'sha256')
  boundToken = signAs(
    encode({ alg: 'RS256', kid: issuerKey.kid, typ: 'at+jwt' }, claims({ cnf: { jkt } })),
    'RS256',
    issuerKey.privateKey,
  )
  receiver = createSetReceiver({
    validator: {
      revoke: async (t) => void revoked.push(t),
      revokeSubject: async (s) => void revoked.push(s),
    },
    transmitter: { issuer: TRANSMITTER, jwks: { keys: [transmitterKey.jwk as JWK] }, algorithms: ['RS256'] },
    audience: RECEIVER,
  })
})
afterAll(() => receiver.close())

describe('SET receiver: the kernel refuses each forgery', () => {
  it('accepts the genuine SET (control)', async () => {
    expect((await receiver.handle(delivery(signed(callers.SET)))).status).toBe(202)
  })
  it.each(forgeries)('%s: 400, nothing revoked', async (_name, forge) => {
    const answer = await receiver.handle(delivery(forge(callers.SET)))
    expect(answer.status).toBe(400)
    expect(['invalid_request', 'invalid_key', 'authentication_failed']).toContain(answer.body?.err)
    expect(revoked).toEqual([])
  })
})

describe.each(HARNESSES)(
  '$name: access tokens and DPoP proofs, the kernel refuses each forgery',
  (harness) => {
    let validator: Validator
    let app: RunningApp
    beforeAll(async () => {
      validator = createValidator({
        issuer: ISSUER,
        audience: AUDIENCE,
        realm: REALM,
        jwt: { algorithms: ['RS256'], jwks: { keys: [issuerKey.jwk as never] } },
        dpop: { origin: ORIGIN, algorithms: ['ES256'] },
      })
      app = await harness.start(validator, [{ path: '/jwt', method: 'GET', route: {} }])
    })
    afterAll(async () => {
      await app?.close()
      await validator?.close()
    })

    const asBearer = (token: string) => attack(app.url, '/jwt', { headers: bearer(token) })
    const asProof = (proof: string) =>
      attack(app.url, '/jwt', {
        headers: [
          ['Authorization', `DPoP ${boundToken}`],
          ['DPoP', proof],
        ],
      })

    it('accepts the genuine access token and the genuine DPoP proof (controls)', async () => {
      expect((await asBearer(signed(callers['access token']))).status).toBe(200)
      expect((await asProof(signed(callers['DPoP proof']))).status).toBe(200)
    })

    it.each(forgeries)('%s: 401 invalid_token as an access token', async (_name, forge) => {
      const answer = await asBearer(forge(callers['access token']))
      expect(answer.status).toBe(401)
      expect(parseChallenge(String(answer.headers['www-authenticate'])).params.error).toBe('invalid_token')
    })

    it.each(forgeries)('%s: 401 invalid_dpop_proof as a DPoP proof', async (_name, forge) => {
      const answer = await asProof(forge(callers['DPoP proof']))
      expect(answer.status).toBe(401)
      const { scheme, params } = parseChallenge(String(answer.headers['www-authenticate']))
      expect({ scheme, error: params.error }).toEqual({ scheme: 'DPoP', error: 'invalid_dpop_proof' })
    })
  },
)

function delivery(body: string) {
  return { method: 'POST', headers: { 'content-type': 'application/secevent+jwt' }, body }
}
