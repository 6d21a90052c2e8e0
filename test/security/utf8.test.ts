import { createHash, randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { createSetReceiver, createValidator, type Validator } from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM, type RunningApp } from '@tokenguard/conformance'
import { HARNESSES, INVALID_TOKEN, attack, expectRefused, parseChallenge } from './src/attack'
import { b64, claims, ecKey, rsaKey, signature } from './src/forge'

// RFC 7515 §2 / RFC 8259 §8.1: the header and payload of a JWS are UTF-8 JSON. Bytes that are not
// valid UTF-8 are refused wherever a JWS is decoded (access tokens, DPoP proofs, SETs), never
// decoded with replacement characters and accepted. Every token here is genuinely signed: only its
// encoding is wrong. Lone surrogates written as JSON escapes (valid bytes, invalid text) and a
// byte-order mark go the same way.

const rsa = rsaKey('rsa-utf8')
const proofKey = ecKey('proof', 'P-256')
const proofJwk = { kty: 'EC', crv: 'P-256', x: proofKey.jwk.x, y: proofKey.jwk.y } as JWK
const ORIGIN = 'https://api.example'

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8')
/** `{ …json, "name": "<before><bad bytes><after>" }` as bytes, the object closing after the string. */
function withBytes(json: Record<string, unknown>, name: string, bad: Buffer): Buffer {
  const open = JSON.stringify(json).slice(0, -1)
  return Buffer.concat([bytes(`${open},${JSON.stringify(name)}:"ab`), bad, bytes('cd"}')])
}

function signBytes(header: Buffer, payload: Buffer, alg = 'RS256', key = rsa.privateKey): string {
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${b64(signature(alg, key, input))}`
}

const rsHeader = { alg: 'RS256', kid: rsa.kid, typ: 'at+jwt' }

/** Byte sequences that are not UTF-8 (RFC 3629 §3, §10), and valid ones as controls. */
const INVALID: Array<[string, Buffer]> = [
  ['a lone 0xFF', Buffer.from([0xff])],
  ['a lone continuation byte', Buffer.from([0x80])],
  ['latin-1 é (0xE9)', Buffer.from([0xe9])],
  ['an overlong "/" (C0 AF)', Buffer.from([0xc0, 0xaf])],
  ['an overlong NUL (C0 80, modified UTF-8)', Buffer.from([0xc0, 0x80])],
  ['an encoded surrogate (ED A0 80, CESU-8)', Buffer.from([0xed, 0xa0, 0x80])],
  ['a truncated 3-byte sequence', Buffer.from([0xe2, 0x82])],
  ['a code point above U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80])],
  ['a 5-byte form', Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80])],
]
const VALID: Array<[string, Buffer]> = [
  ['2-byte é', bytes('\u00e9')],
  ['3-byte €', bytes('\u20ac')],
  ['4-byte 😀', bytes('\u{1f600}')],
  ['an escaped surrogate pair', bytes('\\ud83d\\ude00')],
]
/** Valid bytes that still are not Unicode text, or not JSON text. */
const NOT_TEXT: Array<[string, Buffer]> = [
  ['an escaped lone high surrogate', bytes('\\ud800')],
  ['an escaped lone low surrogate', bytes('\\udfff')],
  ['an escaped pair in the wrong order', bytes('\\ude00\\ud83d')],
]

type Make = () => string
const accessCases: Array<[string, Make, 200 | typeof INVALID_TOKEN]> = [
  ...[...INVALID, ...NOT_TEXT].flatMap(([name, bad]): Array<[string, Make, typeof INVALID_TOKEN]> => [
    [
      `payload: ${name} in a claim`,
      () => signBytes(bytes(JSON.stringify(rsHeader)), withBytes(claims(), 'name', bad)),
      INVALID_TOKEN,
    ],
    [
      `header: ${name} in a member`,
      () => signBytes(withBytes(rsHeader, 'x', bad), bytes(JSON.stringify(claims()))),
      INVALID_TOKEN,
    ],
  ]),
  [
    'payload: 0xFF in a member name',
    () =>
      signBytes(
        bytes(JSON.stringify(rsHeader)),
        Buffer.concat([
          bytes(JSON.stringify(claims()).slice(0, -1) + ',"n'),
          Buffer.from([0xff]),
          bytes('":1}'),
        ]),
      ),
    INVALID_TOKEN,
  ],
  [
    'payload: an escaped lone surrogate in a member name',
    () =>
      signBytes(
        bytes(JSON.stringify(rsHeader)),
        bytes(JSON.stringify(claims()).slice(0, -1) + ',"n\\ud800":1}'),
      ),
    INVALID_TOKEN,
  ],
  [
    'payload: a UTF-8 byte-order mark first',
    () =>
      signBytes(
        bytes(JSON.stringify(rsHeader)),
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(JSON.stringify(claims()))]),
      ),
    INVALID_TOKEN,
  ],
  [
    'header: a UTF-8 byte-order mark first',
    () =>
      signBytes(
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(JSON.stringify(rsHeader))]),
        bytes(JSON.stringify(claims())),
      ),
    INVALID_TOKEN,
  ],
  ...VALID.flatMap(([name, good]): Array<[string, Make, 200]> => [
    [
      `control: payload ${name}`,
      () => signBytes(bytes(JSON.stringify(rsHeader)), withBytes(claims(), 'name', good)),
      200,
    ],
    [
      `control: header ${name}`,
      () => signBytes(withBytes(rsHeader, 'x', good), bytes(JSON.stringify(claims()))),
      200,
    ],
  ]),
]

/** A DPoP proof (RFC 9449 §4.2) for GET `${ORIGIN}${path}` whose payload bytes are given. */
function proofBytes(token: string, path: string, extra?: Buffer): string {
  const header = bytes(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: proofJwk }))
  const payload = {
    htm: 'GET',
    htu: `${ORIGIN}${path}`,
    jti: randomUUID(),
    iat: Math.floor(Date.now() / 1000),
    ath: createHash('sha256').update(token).digest('base64url'),
  }
  const body = extra === undefined ? bytes(JSON.stringify(payload)) : withBytes(payload, 'x', extra)
  return signBytes(header, body, 'ES256', proofKey.privateKey)
}

describe.each(HARNESSES)('$name: UTF-8 in JWS', (harness) => {
  let app: RunningApp
  let validator: Validator
  let boundToken: string

  beforeAll(async () => {
    validator = createValidator({
      issuer: ISSUER,
      audience: AUDIENCE,
      realm: REALM,
      jwt: { algorithms: ['RS256'], jwks: { keys: [rsa.jwk as never] } },
      dpop: { origin: ORIGIN },
    })
    app = await harness.start(validator, [{ path: '/jwt', method: 'GET', route: {} }])
    const jkt = await calculateJwkThumbprint(proofJwk, 'sha256')
    boundToken = signBytes(bytes(JSON.stringify(rsHeader)), bytes(JSON.stringify(claims({ cnf: { jkt } }))))
  })
  afterAll(async () => {
    await app?.close()
    await validator?.close()
  })

  it.each(accessCases)('access token, %s', async (_name, make, expected) => {
    const token = make()
    const answer = await attack(app.url, '/jwt', { headers: [['Authorization', `Bearer ${token}`]] })
    if (expected === 200) expect(answer.status).toBe(200)
    else expectRefused(answer, expected, token, REALM)
  })

  it.each([...INVALID, ...NOT_TEXT])(
    'DPoP proof: %s in the payload is invalid_dpop_proof',
    async (_name, bad) => {
      const answer = await attack(app.url, '/jwt', {
        headers: [
          ['Authorization', `DPoP ${boundToken}`],
          ['DPoP', proofBytes(boundToken, '/jwt', bad)],
        ],
      })
      expect(answer.status).toBe(401)
      const { scheme, params } = parseChallenge(String(answer.headers['www-authenticate']))
      expect([scheme, params.error, params.realm]).toEqual(['DPoP', 'invalid_dpop_proof', REALM])
    },
  )

  it.each(VALID)('control: DPoP proof with %s in the payload is accepted', async (_name, good) => {
    const answer = await attack(app.url, '/jwt', {
      headers: [
        ['Authorization', `DPoP ${boundToken}`],
        ['DPoP', proofBytes(boundToken, '/jwt', good)],
      ],
    })
    expect(answer.status).toBe(200)
  })
})

describe('UTF-8 in security event tokens (RFC 8417)', () => {
  const transmitter = 'https://transmitter.example/'
  const receiverAudience = 'https://api.example/events'
  const validator = createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwt: { algorithms: ['RS256'], jwks: { keys: [rsa.jwk as never] } },
  })
  const receiver = createSetReceiver({
    validator,
    transmitter: { issuer: transmitter, jwks: { keys: [rsa.jwk as never] }, algorithms: ['RS256'] },
    audience: receiverAudience,
  })
  afterAll(async () => {
    receiver.close()
    await validator.close()
  })
  const setHeader = bytes(JSON.stringify({ alg: 'RS256', kid: rsa.kid, typ: 'secevent+jwt' }))
  const setPayload = () => ({
    iss: transmitter,
    aud: receiverAudience,
    iat: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
    events: {},
  })
  const deliver = (token: string | Buffer) =>
    receiver.handle({ method: 'POST', headers: { 'content-type': 'application/secevent+jwt' }, body: token })

  it.each([...INVALID, ...NOT_TEXT])(
    'a SET with %s in its payload is 400 invalid_request',
    async (_name, bad) => {
      const answer = await deliver(signBytes(setHeader, withBytes(setPayload(), 'x', bad)))
      expect([answer.status, answer.body?.err]).toEqual([400, 'invalid_request'])
    },
  )

  it('a delivery body that is not UTF-8 is 400 invalid_request', async () => {
    const good = signBytes(setHeader, bytes(JSON.stringify(setPayload())))
    const answer = await deliver(Buffer.concat([bytes(good), Buffer.from([0xff])]))
    expect([answer.status, answer.body?.err]).toEqual([400, 'invalid_request'])
  })

  it.each(VALID)('control: a SET with %s in its payload is accepted', async (_name, good) => {
    const answer = await deliver(signBytes(setHeader, withBytes(setPayload(), 'x', good)))
    expect(answer.status).toBe(202)
  })
})
