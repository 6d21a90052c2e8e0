import { REALM } from '@tokenguard/conformance'
import { INVALID_REQUEST, INVALID_TOKEN, attack, bearer, expectRefused } from './src/attack'
import {
  CURVE_ORDER,
  b64,
  claims,
  forge,
  highSTwin,
  rawToDer,
  resign,
  sigOf,
  signingInput,
  toBytes,
} from './src/forge'
import { attacker, esGood, rsGood, rsa, runJwsCases, segments, type Case } from './src/jws-fixture'

// Signature- and encoding-level JWS attacks: ECDSA and RSA signatures out of range or of the
// wrong length, non-canonical base64url, segment counts, malformed JSON, deep nesting; and the
// ECDSA high-S twin against revocation and the verified-token cache.

const pad = (seg: string) => seg + '='.repeat((4 - (seg.length % 4)) % 4)
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** Sets the unused low bits of a segment's last character (the same bytes, another spelling). */
const dirtyBits = (seg: string) =>
  seg.slice(0, -1) + ALPHABET[ALPHABET.indexOf(seg.at(-1)!) | (seg.length % 4 === 2 ? 1 : 3)]
/** An RS256 token whose header and payload base64url lengths leave unused bits (length % 4 = 2 or 3). */
function oddLengthToken(): string {
  for (let i = 0; ; i++) {
    const token = rsGood({ x: 'y'.repeat(i) }, { pad: 'z'.repeat(i) })
    const [h, p] = segments(token)
    if (h!.length % 4 >= 2 && p!.length % 4 >= 2 && !dirtyBits(h!).endsWith(h!.at(-1)!)) return token
  }
}

const zeros = (n: number) => Buffer.alloc(n)
const esSig = () => sigOf(esGood())
const n256 = toBytes(CURVE_ORDER.ES256!, 32)
const ecdsaCases: Case[] = (
  [
    ['all zero ("psychic")', () => zeros(64)],
    ['r = 0', () => Buffer.concat([zeros(32), esSig().subarray(32)])],
    ['s = 0', () => Buffer.concat([esSig().subarray(0, 32), zeros(32)])],
    ['r = n', () => Buffer.concat([n256, esSig().subarray(32)])],
    ['s = n', () => Buffer.concat([esSig().subarray(0, 32), n256])],
    ['r = s = n', () => Buffer.concat([n256, n256])],
    ['r, s all 0xff (> n)', () => Buffer.alloc(64, 0xff)],
    ['DER instead of raw', () => rawToDer(esSig())],
    ['63 bytes', () => esSig().subarray(0, 63)],
    ['65 bytes', () => Buffer.concat([esSig(), zeros(1)])],
    [
      '96 bytes (zero-padded)',
      () => Buffer.concat([zeros(16), esSig().subarray(0, 32), zeros(16), esSig().subarray(32)]),
    ],
    ['128 bytes (twice)', () => Buffer.concat([esSig(), esSig()])],
  ] as Array<[string, () => Buffer]>
).map(([name, sig]): Case => [
  `ES256 signature ${name}`,
  'mix',
  '/jwt',
  () => resign(esGood(), sig()),
  INVALID_TOKEN,
])

const rsSig = () => sigOf(rsGood())
const rsaSigCases: Case[] = (
  [
    ['255 bytes', () => rsSig().subarray(1)],
    ['257 bytes (leading zero)', () => Buffer.concat([zeros(1), rsSig()])],
    ['257 bytes (trailing byte)', () => Buffer.concat([rsSig(), zeros(1)])],
    ['512 bytes (twice)', () => Buffer.concat([rsSig(), rsSig()])],
    ['all zero', () => zeros(256)],
    ['one', () => Buffer.concat([zeros(255), Buffer.from([1])])],
    ['the modulus itself', () => Buffer.from(rsa.jwk.n!, 'base64url')],
    ['all 0xff (> modulus)', () => Buffer.alloc(256, 0xff)],
  ] as Array<[string, () => Buffer]>
).map(([name, sig]): Case => [
  `RS256 signature ${name}`,
  'rs',
  '/jwt',
  () => resign(rsGood(), sig()),
  INVALID_TOKEN,
])

const base64Cases: Case[] = [
  [
    'signature padded with =',
    'rs',
    '/jwt',
    () => {
      const [h, p, s] = segments(rsGood())
      return `${h}.${p}.${pad(s!)}`
    },
    INVALID_TOKEN,
  ],
  [
    'header padded with =',
    'rs',
    '/jwt',
    () => {
      const [h, p, s] = segments(oddLengthToken())
      return `${pad(h!)}.${p}.${s}`
    },
    INVALID_REQUEST,
  ],
  [
    'payload padded with =',
    'rs',
    '/jwt',
    () => {
      const [h, p, s] = segments(oddLengthToken())
      return `${h}.${pad(p!)}.${s}`
    },
    INVALID_REQUEST,
  ],
  [
    'signature in the +/ alphabet',
    'rs',
    '/jwt',
    () => {
      for (;;) {
        const t = rsGood()
        if (/[-_]/.test(segments(t)[2]!)) return t.replace(/-/g, '+').replace(/_/g, '/')
      }
    },
    INVALID_TOKEN,
  ],
  [
    'header in the +/ alphabet',
    'rs',
    '/jwt',
    () => {
      for (let i = 0; ; i++) {
        const t = rsGood({ x: `${'?'.repeat(i)}>>>???` })
        if (/[-_]/.test(segments(t)[0]!))
          return t.replace(/^[^.]*/, (h) => h.replace(/-/g, '+').replace(/_/g, '/'))
      }
    },
    INVALID_TOKEN,
  ],
  [
    'signature with unused bits set',
    'rs',
    '/jwt',
    () => {
      const [h, p, s] = segments(rsGood())
      return `${h}.${p}.${dirtyBits(s!)}`
    },
    INVALID_TOKEN,
  ],
  [
    'header with unused bits set',
    'rs',
    '/jwt',
    () => {
      const [h, p, s] = segments(oddLengthToken())
      return `${dirtyBits(h!)}.${p}.${s}`
    },
    INVALID_TOKEN,
  ],
  [
    'payload with unused bits set',
    'rs',
    '/jwt',
    () => {
      const [h, p, s] = segments(oddLengthToken())
      return `${h}.${dirtyBits(p!)}.${s}`
    },
    INVALID_TOKEN,
  ],
  [
    'a space inside the signature',
    'rs',
    '/jwt',
    () => {
      const t = rsGood()
      return `${t.slice(0, -10)} ${t.slice(-10)}`
    },
    INVALID_REQUEST,
  ],
  ['a leading dot', 'rs', '/jwt', () => `.${rsGood()}`, INVALID_TOKEN],
  ['a trailing dot', 'rs', '/jwt', () => `${rsGood()}.`, INVALID_TOKEN],
]

const shapeCases: Case[] = [
  ['1 segment', 'rs', '/jwt', () => segments(rsGood())[0]!, INVALID_TOKEN],
  ['2 segments', 'rs', '/jwt', () => segments(rsGood()).slice(0, 2).join('.'), INVALID_TOKEN],
  ['4 segments', 'rs', '/jwt', () => `${rsGood()}.${b64('x')}`, INVALID_TOKEN],
  [
    '5 segments (JWE) on a jwt route',
    'mix',
    '/jwt',
    () =>
      `${b64(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: rsa.kid }))}.${b64('k')}.${b64('iv')}.${b64('ct')}.${b64('tag')}`,
    INVALID_TOKEN,
  ],
  [
    '5 segments (JWE) on a hybrid route',
    'mix',
    '/hybrid',
    () => `${b64(JSON.stringify({ alg: 'dir', enc: 'A128GCM' }))}..${b64('iv')}.${b64('ct')}.${b64('tag')}`,
    INVALID_TOKEN,
  ],
  [
    '5 segments with a JWS header on a hybrid route',
    'mix',
    '/hybrid',
    () => `${rsGood()}.${b64('x')}.${b64('y')}`,
    INVALID_TOKEN,
  ],
  ['6 segments', 'rs', '/jwt', () => `${rsGood()}.${b64('x')}.${b64('y')}.${b64('z')}`, INVALID_TOKEN],
  [
    'header not JSON',
    'rs',
    '/jwt',
    () => forge({ header: '{alg:RS256}' }, 'RS256', rsa.privateKey),
    INVALID_TOKEN,
  ],
  [
    'header a JSON list',
    'rs',
    '/jwt',
    () => forge({ header: '["RS256"]' }, 'RS256', rsa.privateKey),
    INVALID_TOKEN,
  ],
  ['header JSON null', 'rs', '/jwt', () => forge({ header: 'null' }, 'RS256', rsa.privateKey), INVALID_TOKEN],
  [
    'header with a BOM',
    'rs',
    '/jwt',
    () =>
      forge(
        { header: `\ufeff${JSON.stringify({ alg: 'RS256', kid: rsa.kid, typ: 'at+jwt' })}` },
        'RS256',
        rsa.privateKey,
      ),
    INVALID_TOKEN,
  ],
  [
    'header with alg twice, the last one none',
    'rs',
    '/jwt',
    () =>
      forge(
        { header: `{"alg":"RS256","kid":"${rsa.kid}","typ":"at+jwt","alg":"none"}` },
        'RS256',
        rsa.privateKey,
      ),
    INVALID_TOKEN,
  ],
  ['payload not JSON', 'rs', '/jwt', () => rsGood({}, '{"iss":'), INVALID_TOKEN],
  ['payload a JSON list', 'rs', '/jwt', () => rsGood({}, JSON.stringify([claims()])), INVALID_TOKEN],
  ['payload a JSON string', 'rs', '/jwt', () => rsGood({}, '"alice"'), INVALID_TOKEN],
  [
    'payload invalid UTF-8',
    'rs',
    '/jwt',
    () =>
      `${signingInput({ header: { alg: 'RS256', kid: rsa.kid } }).split('.')[0]}.${b64(Buffer.from([0xff, 0xfe, 0x7b]))}.${b64(sigOf(rsGood()))}`,
    INVALID_TOKEN,
  ],
  [
    'deeply nested payload (2500 levels), attacker-signed',
    'rs',
    '/jwt',
    () =>
      forge({ header: { alg: 'RS256', kid: rsa.kid }, payload: nested(2500) }, 'RS256', attacker.privateKey),
    INVALID_TOKEN,
  ],
  [
    'deeply nested header (2500 levels), attacker-signed',
    'rs',
    '/jwt',
    () =>
      forge(
        { header: `{"alg":"RS256","x":${'['.repeat(2500)}${']'.repeat(2500)}}` },
        'RS256',
        attacker.privateKey,
      ),
    INVALID_TOKEN,
  ],
  // Claims are deeply frozen (shared by every cache hit); nesting past 64 levels is refused rather
  // than frozen, since a handler serialising thousands of frozen levels would overflow the stack.
  [
    'deeply nested custom claim (2500 levels), genuinely signed: refused, never a 500',
    'rs',
    '/jwt',
    () => rsGood({}, nested(2500)),
    INVALID_TOKEN,
  ],
  [
    'nested custom claim at the bound (64 levels), genuinely signed',
    'rs',
    '/jwt',
    () => rsGood({}, nested(64)),
    200,
  ],
  [
    'nested custom claim past the bound (65 levels), genuinely signed',
    'rs',
    '/jwt',
    () => rsGood({}, nested(65)),
    INVALID_TOKEN,
  ],
]

function nested(depth: number): string {
  const good = JSON.stringify(claims())
  return `${good.slice(0, -1)},"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`
}

const CATEGORIES: Array<[string, Case[]]> = [
  ['ECDSA signatures', ecdsaCases],
  ['RSA signatures', rsaSigCases],
  ['non-canonical base64url', base64Cases],
  ['shape and JSON', shapeCases],
]

runJwsCases('JWS signatures and encoding', CATEGORIES, ({ apps, validators }) => {
  describe('ECDSA high-S twin: revocation and caches go by signing input', () => {
    const send = (path: string, token: string) => attack(apps.mix.url, path, { headers: bearer(token) })

    it('the twin verifies, and revoking the original refuses both on a sensitive route', async () => {
      const original = esGood()
      const twin = highSTwin(original)
      expect(twin).not.toBe(original)
      expect((await send('/sensitive', original)).status).toBe(200)
      expect((await send('/sensitive', twin)).status).toBe(200) // now in the verified-token cache
      await validators.mix.revoke(original)
      for (const token of [original, twin])
        expectRefused(await send('/sensitive', token), INVALID_TOKEN, token, REALM)
    })

    it('revoking the twin refuses the original', async () => {
      const original = esGood()
      const twin = highSTwin(original)
      expect((await send('/jwt', original)).status).toBe(200)
      await validators.mix.revoke(twin)
      expectRefused(await send('/sensitive', original), INVALID_TOKEN, original, REALM)
    })

    it('a cached original does not vouch for a bad signature over the same signing input, nor is it evicted by one', async () => {
      const original = esGood()
      expect((await send('/jwt', original)).status).toBe(200)
      for (const sig of [Buffer.alloc(64), Buffer.alloc(64, 1), rawToDer(sigOf(original))]) {
        const forged = resign(original, sig)
        expectRefused(await send('/jwt', forged), INVALID_TOKEN, forged, REALM)
      }
      expect((await send('/jwt', original)).status).toBe(200)
      expect((await send('/jwt', highSTwin(original))).status).toBe(200)
    })
  })
})
