import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { verifySignature } from '../../src/jws/signature'

const input = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0'
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const smallRsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
const ed = generateKeyPairSync('ed25519')

function reason(run: () => void): string {
  try {
    run()
    return 'valid'
  } catch (error) {
    return (error as { reason: string }).reason
  }
}

const es256 = (key: KeyObject, encoding: 'ieee-p1363' | 'der' = 'ieee-p1363') =>
  sign('sha256', Buffer.from(input), { key, dsaEncoding: encoding })

describe('verifySignature', () => {
  it.each<[string, string, KeyObject | Uint8Array, () => Buffer]>([
    ['RS256', 'RS256', rsa.publicKey, () => sign('sha256', Buffer.from(input), rsa.privateKey)],
    [
      'PS256',
      'PS256',
      rsa.publicKey,
      () => sign('sha256', Buffer.from(input), { key: rsa.privateKey, padding: 6, saltLength: 32 }),
    ],
    ['ES256', 'ES256', p256.publicKey, () => es256(p256.privateKey)],
    ['EdDSA', 'EdDSA', ed.publicKey, () => sign(null, Buffer.from(input), ed.privateKey)],
    [
      'HS256',
      'HS256',
      Buffer.alloc(32, 7),
      () => createHmac('sha256', Buffer.alloc(32, 7)).update(input).digest(),
    ],
  ])('accepts a valid %s signature', (_, alg, key, signature) => {
    expect(reason(() => verifySignature(alg, key, input, signature()))).toBe('valid')
  })

  it.each<[string, string, KeyObject | Uint8Array, () => Buffer, string]>([
    [
      'an RSA signature under an EC key',
      'RS256',
      p256.publicKey,
      () => sign('sha256', Buffer.from(input), rsa.privateKey),
      'algorithm_not_allowed',
    ],
    [
      'ES256 with a P-384 key',
      'ES256',
      p384.publicKey,
      () => es256(p256.privateKey),
      'algorithm_not_allowed',
    ],
    [
      'an RSA key under 2048 bits',
      'RS256',
      smallRsa.publicKey,
      () => sign('sha256', Buffer.from(input), smallRsa.privateKey),
      'algorithm_not_allowed',
    ],
    [
      'a private key given as verification key',
      'RS256',
      rsa.privateKey,
      () => sign('sha256', Buffer.from(input), rsa.privateKey),
      'algorithm_not_allowed',
    ],
    [
      'HS256 keyed with a public key (key confusion)',
      'HS256',
      rsa.publicKey,
      () => Buffer.alloc(32),
      'algorithm_not_allowed',
    ],
    [
      'RS256 keyed with a secret',
      'RS256',
      Buffer.alloc(32),
      () => Buffer.alloc(256),
      'algorithm_not_allowed',
    ],
    ['an unknown algorithm', 'XS256', rsa.publicKey, () => Buffer.alloc(256), 'algorithm_not_allowed'],
    [
      'a DER-encoded ECDSA signature',
      'ES256',
      p256.publicKey,
      () => es256(p256.privateKey, 'der'),
      'bad_signature',
    ],
    [
      'an all-zero ECDSA signature ("psychic")',
      'ES256',
      p256.publicKey,
      () => Buffer.alloc(64),
      'bad_signature',
    ],
    [
      'an ECDSA signature one byte short',
      'ES256',
      p256.publicKey,
      () => es256(p256.privateKey).subarray(1),
      'bad_signature',
    ],
    [
      'r and s equal to the curve order',
      'ES256',
      p256.publicKey,
      () => Buffer.concat([order(), order()]),
      'bad_signature',
    ],
    [
      'an RSA signature of the wrong length',
      'RS256',
      rsa.publicKey,
      () => sign('sha256', Buffer.from(input), rsa.privateKey).subarray(1),
      'bad_signature',
    ],
    [
      'an RSA signature out of range (all 0xff)',
      'RS256',
      rsa.publicKey,
      () => Buffer.alloc(256, 0xff),
      'bad_signature',
    ],
    [
      'a signature of other bytes',
      'EdDSA',
      ed.publicKey,
      () => sign(null, Buffer.from('other'), ed.privateKey),
      'bad_signature',
    ],
    ['a wrong HMAC', 'HS256', Buffer.alloc(32, 7), () => Buffer.alloc(32), 'bad_signature'],
    [
      'a truncated HMAC',
      'HS256',
      Buffer.alloc(32, 7),
      () => createHmac('sha256', Buffer.alloc(32, 7)).update(input).digest().subarray(0, 16),
      'bad_signature',
    ],
  ])('refuses %s', (_, alg, key, signature, expected) => {
    expect(reason(() => verifySignature(alg, key, input, signature()))).toBe(expected)
  })
})

function order(): Buffer {
  return Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex')
}

describe('verifySignature with a key already used', () => {
  it('checks the key against each algorithm on its own, however often the key has served', () => {
    const valid = es256(p256.privateKey)
    expect(reason(() => verifySignature('ES256', p256.publicKey, input, valid))).toBe('valid')
    expect(reason(() => verifySignature('ES256', p256.publicKey, input, valid))).toBe('valid')
    // The same key, now named by RSA and P-384 algorithms: refused each time, never served from the first.
    for (const alg of ['RS256', 'ES384', 'RS256']) {
      expect(reason(() => verifySignature(alg, p256.publicKey, input, valid))).toBe('algorithm_not_allowed')
    }
    expect(reason(() => verifySignature('ES256', p256.publicKey, input, Buffer.alloc(64)))).toBe(
      'bad_signature',
    )
  })

  it('refuses a key refused once on every later call too', () => {
    const signature = sign('sha256', Buffer.from(input), smallRsa.privateKey)
    for (let i = 0; i < 3; i++) {
      expect(reason(() => verifySignature('RS256', smallRsa.publicKey, input, signature))).toBe(
        'algorithm_not_allowed',
      )
    }
  })
})
