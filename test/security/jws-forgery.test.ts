import { INVALID_TOKEN } from './src/attack'
import { forge, genuine, sigOf, withSignature } from './src/forge'
import {
  SECRET,
  attacker,
  attackerEc,
  ec256,
  ec384,
  esGood,
  rsGood,
  rsa,
  runJwsCases,
  type Case,
} from './src/jws-fixture'
import { startScriptedServer, type ScriptedServer } from './src/servers'

// Header-level JWS attacks: alg none, algorithm confusion, alg / key-type mismatch, unpinned
// algorithms, kid, injected key headers, crit. Signatures and encodings: jws-encoding.test.ts.
let trap: ScriptedServer // a loopback key server named by jku / x5u / kid: must never be asked

const controls: Case[] = [
  ['control: genuine RS256', 'rs', '/jwt', () => rsGood(), 200],
  ['control: genuine RS256 on a sensitive route', 'rs', '/sensitive', () => rsGood(), 200],
  ['control: genuine ES256', 'mix', '/jwt', () => esGood(), 200],
  [
    'control: genuine HS256 with the secret',
    'hs',
    '/jwt',
    () => forge({ header: { alg: 'HS256' } }, 'HS256', SECRET),
    200,
  ],
]

const noneCases: Case[] = ['none', 'None', 'NONE', 'nOnE'].flatMap(
  (alg) =>
    [
      [
        `alg ${alg}, empty signature`,
        'rs',
        '/jwt',
        () => withSignature({ header: { alg } }, ''),
        INVALID_TOKEN,
      ],
      [
        `alg ${alg}, a genuine RS256 signature copied from another token`,
        'rs',
        '/jwt',
        () => withSignature({ header: { alg } }, sigOf(rsGood())),
        INVALID_TOKEN,
      ],
      [
        `alg ${alg}, junk signature`,
        'rs',
        '/jwt',
        () => withSignature({ header: { alg } }, 'AAAA'),
        INVALID_TOKEN,
      ],
      [
        `alg ${alg} on the ES256 validator`,
        'mix',
        '/sensitive',
        () => withSignature({ header: { alg } }, ''),
        INVALID_TOKEN,
      ],
      [
        `alg ${alg} on the HS256 validator`,
        'hs',
        '/jwt',
        () => withSignature({ header: { alg } }, ''),
        INVALID_TOKEN,
      ],
    ] as Case[],
)

const oddAlgCases: Case[] = (
  [
    ['empty', ''],
    ['null', null],
    ['a list', ['RS256']],
    ['with a trailing space', 'RS256 '],
    ['lower case', 'rs256'],
    ['with a NUL', 'RS256\u0000'],
  ] as const
).map(([name, alg]) => [
  `alg ${name}, genuinely signed`,
  'rs',
  '/jwt',
  () => forge({ header: { alg, kid: rsa.kid } }, 'RS256', rsa.privateKey),
  INVALID_TOKEN,
])
oddAlgCases.push([
  'alg missing, genuinely signed',
  'rs',
  '/jwt',
  () => forge({ header: { kid: rsa.kid } }, 'RS256', rsa.privateKey),
  INVALID_TOKEN,
])

// Algorithm confusion: HMAC keyed with the RSA public key in every encoding a key can take.
const encodings: Array<[string, () => Buffer]> = [
  ['PEM (SPKI)', () => Buffer.from(rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string)],
  [
    'PEM (SPKI) without the final newline',
    () => Buffer.from((rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string).trimEnd()),
  ],
  ['PEM (PKCS1)', () => Buffer.from(rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string)],
  ['DER (SPKI)', () => rsa.publicKey.export({ type: 'spki', format: 'der' })],
  ['DER (PKCS1)', () => rsa.publicKey.export({ type: 'pkcs1', format: 'der' })],
  ['JWK JSON as published', () => Buffer.from(JSON.stringify(rsa.jwk))],
  [
    'JWK JSON (thumbprint members)',
    () => Buffer.from(JSON.stringify({ e: rsa.jwk.e, kty: 'RSA', n: rsa.jwk.n })),
  ],
  ['modulus bytes', () => Buffer.from(rsa.jwk.n!, 'base64url')],
  ['modulus as base64url text', () => Buffer.from(rsa.jwk.n!)],
]
const confusionCases: Case[] = encodings.flatMap(
  ([name, key]) =>
    [
      [
        `HS256 keyed with the RSA public key, ${name}, RS256 pinned`,
        'rs',
        '/jwt',
        () => forge({ header: { alg: 'HS256', kid: rsa.kid } }, 'HS256', key()),
        INVALID_TOKEN,
      ],
      [
        `HS256 keyed with the RSA public key, ${name}, HS256 + secret`,
        'hs',
        '/jwt',
        () => forge({ header: { alg: 'HS256', kid: rsa.kid } }, 'HS256', key()),
        INVALID_TOKEN,
      ],
    ] as Case[],
)
confusionCases.push(
  [
    'HS384 keyed with the PEM public key, RS256 pinned',
    'rs',
    '/jwt',
    () => forge({ header: { alg: 'HS384', kid: rsa.kid } }, 'HS384', encodings[0]![1]()),
    INVALID_TOKEN,
  ],
  [
    'HS512 keyed with the PEM public key, RS256 pinned',
    'rs',
    '/jwt',
    () => forge({ header: { alg: 'HS512', kid: rsa.kid } }, 'HS512', encodings[0]![1]()),
    INVALID_TOKEN,
  ],
  [
    'HS256 with the secret, on the RS256 validator',
    'rs',
    '/jwt',
    () => forge({ header: { alg: 'HS256' } }, 'HS256', SECRET),
    INVALID_TOKEN,
  ],
  [
    'HS384 with the secret when only HS256 is pinned',
    'hs',
    '/jwt',
    () => forge({ header: { alg: 'HS384' } }, 'HS384', SECRET),
    INVALID_TOKEN,
  ],
  [
    'HS256 with the secret plus one byte',
    'hs',
    '/jwt',
    () => forge({ header: { alg: 'HS256' } }, 'HS256', Buffer.concat([SECRET, Buffer.from('x')])),
    INVALID_TOKEN,
  ],
  [
    'HS256 with an empty key',
    'hs',
    '/jwt',
    () => forge({ header: { alg: 'HS256' } }, 'HS256', Buffer.alloc(0)),
    INVALID_TOKEN,
  ],
  ['a genuine RS256 token on the HS256 validator', 'hs', '/jwt', () => rsGood(), INVALID_TOKEN],
)

const mismatchCases: Case[] = [
  [
    'ES256 header, RSA kid, signed by the EC key',
    'mix',
    '/jwt',
    () => forge({ header: { alg: 'ES256', kid: rsa.kid } }, 'ES256', ec256.privateKey),
    INVALID_TOKEN,
  ],
  [
    'ES256 header, RSA kid, signed RS256 by the RSA key',
    'mix',
    '/jwt',
    () => forge({ header: { alg: 'ES256', kid: rsa.kid } }, 'RS256', rsa.privateKey),
    INVALID_TOKEN,
  ],
  [
    'RS256 header, EC kid, signed by the RSA key',
    'mix',
    '/jwt',
    () => forge({ header: { alg: 'RS256', kid: ec256.kid } }, 'RS256', rsa.privateKey),
    INVALID_TOKEN,
  ],
  [
    'RS256 header, EC kid, signed ES256 by the EC key',
    'mix',
    '/jwt',
    () => forge({ header: { alg: 'RS256', kid: ec256.kid } }, 'ES256', ec256.privateKey),
    INVALID_TOKEN,
  ],
  [
    'ES256 header, P-384 kid, signed by the P-384 key',
    'mix',
    '/jwt',
    () => forge({ header: { alg: 'ES256', kid: ec384.kid } }, 'ES384', ec384.privateKey),
    INVALID_TOKEN,
  ],
  [
    'ES256 header, P-384 kid, signed by the P-256 key',
    'mix',
    '/jwt',
    () => forge({ header: { alg: 'ES256', kid: ec384.kid } }, 'ES256', ec256.privateKey),
    INVALID_TOKEN,
  ],
]

const unpinnedCases: Case[] = [
  ['genuine PS256 (RSA key), only RS256 pinned', 'rs', '/jwt', () => genuine(rsa, 'PS256'), INVALID_TOKEN],
  ['genuine RS384, only RS256 pinned', 'rs', '/jwt', () => genuine(rsa, 'RS384'), INVALID_TOKEN],
  ['genuine RS512, only RS256 pinned', 'rs', '/jwt', () => genuine(rsa, 'RS512'), INVALID_TOKEN],
  [
    'genuine ES384 (P-384 key), only RS256 pinned',
    'rs',
    '/jwt',
    () => genuine(ec384, 'ES384'),
    INVALID_TOKEN,
  ],
  ['genuine ES256, only RS256 pinned', 'rs', '/jwt', () => genuine(ec256, 'ES256'), INVALID_TOKEN],
  ['genuine PS256, RS256 and ES256 pinned', 'mix', '/jwt', () => genuine(rsa, 'PS256'), INVALID_TOKEN],
  ['genuine ES384, RS256 and ES256 pinned', 'mix', '/jwt', () => genuine(ec384, 'ES384'), INVALID_TOKEN],
]

const kids: Array<[string, unknown]> = [
  ['path-like ../../etc/passwd', '../../etc/passwd'],
  ['a file URL', 'file:///etc/passwd'],
  ['an SQL fragment', "rsa-main' OR '1'='1"],
  ['4000 characters long', 'k'.repeat(4000)],
  ['empty', ''],
  ['a number', 123],
  ['null', null],
  ['true', true],
  ['a list holding the real kid', ['rsa-main']],
  ['an object', { kid: 'rsa-main' }],
  ['the real kid plus a NUL', 'rsa-main\u0000'],
]
const kidCases: Case[] = [
  ...kids.map(([name, kid]): Case => [
    `attacker-signed, kid ${name}`,
    'rs',
    '/jwt',
    () => forge({ header: { alg: 'RS256', kid } }, 'RS256', attacker.privateKey),
    INVALID_TOKEN,
  ]),
  [
    'attacker-signed, kid missing',
    'rs',
    '/jwt',
    () => forge({ header: { alg: 'RS256' } }, 'RS256', attacker.privateKey),
    INVALID_TOKEN,
  ],
  [
    'attacker-signed, the real kid',
    'rs',
    '/jwt',
    () => forge({ header: { alg: 'RS256', kid: rsa.kid } }, 'RS256', attacker.privateKey),
    INVALID_TOKEN,
  ],
  [
    'attacker-signed, kid a loopback URL',
    'rs',
    '/jwt',
    () => forge({ header: { alg: 'RS256', kid: `${trap.url}/key` } }, 'RS256', attacker.privateKey),
    INVALID_TOKEN,
  ],
  [
    'genuine signature, kid of another key in the set',
    'rs',
    '/jwt',
    () => forge({ header: { alg: 'RS256', kid: ec256.kid } }, 'RS256', rsa.privateKey),
    INVALID_TOKEN,
  ],
  [
    'genuine signature, kid path-like',
    'rs',
    '/jwt',
    () => forge({ header: { alg: 'RS256', kid: '../rsa-main' } }, 'RS256', rsa.privateKey),
    INVALID_TOKEN,
  ],
  // RFC 7515 §4.1.4: a `kid` is a string; a header that says otherwise is malformed.
  [
    'genuine signature, kid a number (not a string: malformed header)',
    'rs',
    '/jwt',
    () => forge({ header: { alg: 'RS256', kid: 123 } }, 'RS256', rsa.privateKey),
    INVALID_TOKEN,
  ],
]

const injectedCases: Case[] = [
  [
    'attacker key embedded as jwk',
    'rs',
    '/jwt',
    () => forge({ header: { alg: 'RS256', jwk: attacker.jwk } }, 'RS256', attacker.privateKey),
    INVALID_TOKEN,
  ],
  [
    'attacker EC key embedded as jwk',
    'mix',
    '/jwt',
    () => forge({ header: { alg: 'ES256', jwk: attackerEc.jwk } }, 'ES256', attackerEc.privateKey),
    INVALID_TOKEN,
  ],
  [
    'jku to a loopback key set',
    'rs',
    '/jwt',
    () =>
      forge(
        { header: { alg: 'RS256', kid: attacker.kid, jku: `${trap.url}/jwks` } },
        'RS256',
        attacker.privateKey,
      ),
    INVALID_TOKEN,
  ],
  [
    'jku to a loopback key set, the real kid',
    'rs',
    '/jwt',
    () =>
      forge(
        { header: { alg: 'RS256', kid: rsa.kid, jku: `${trap.url}/jwks` } },
        'RS256',
        attacker.privateKey,
      ),
    INVALID_TOKEN,
  ],
  [
    'x5u to a loopback certificate',
    'rs',
    '/jwt',
    () =>
      forge(
        { header: { alg: 'RS256', kid: attacker.kid, x5u: `${trap.url}/cert.pem` } },
        'RS256',
        attacker.privateKey,
      ),
    INVALID_TOKEN,
  ],
  [
    'x5c with the attacker key',
    'rs',
    '/jwt',
    () =>
      forge(
        {
          header: {
            alg: 'RS256',
            x5c: [attacker.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')],
          },
        },
        'RS256',
        attacker.privateKey,
      ),
    INVALID_TOKEN,
  ],
  [
    'genuine token carrying jku and x5u (ignored, never fetched)',
    'rs',
    '/jwt',
    () => rsGood({ jku: `${trap.url}/jwks`, x5u: `${trap.url}/cert.pem` }),
    200,
  ],
]

const critCases: Case[] = [
  ['crit naming exp, genuinely signed', 'rs', '/jwt', () => rsGood({ crit: ['exp'], exp: 1 }), INVALID_TOKEN],
  [
    'crit b64 with b64 false, genuinely signed',
    'rs',
    '/jwt',
    () => rsGood({ crit: ['b64'], b64: false }),
    INVALID_TOKEN,
  ],
  ['crit empty list, genuinely signed', 'rs', '/jwt', () => rsGood({ crit: [] }), INVALID_TOKEN],
  ['crit a string, genuinely signed', 'rs', '/jwt', () => rsGood({ crit: 'b64' }), INVALID_TOKEN],
  // The README: "`crit` and `b64: false` refused" (RFC 7797 §6: b64 without crit is a broken header).
  ['b64 false without crit, genuinely signed', 'rs', '/jwt', () => rsGood({ b64: false }), INVALID_TOKEN],
]

const CATEGORIES: Array<[string, Case[]]> = [
  ['controls', controls],
  ['alg none', noneCases],
  ['odd alg values', oddAlgCases],
  ['algorithm confusion', confusionCases],
  ['alg / key type mismatch', mismatchCases],
  ['unpinned genuine algorithms', unpinnedCases],
  ['kid', kidCases],
  ['injected key headers', injectedCases],
  ['crit and b64', critCases],
]

beforeAll(async () => {
  trap = await startScriptedServer(() => ({ status: 200, body: { keys: [attacker.jwk] } }))
})
afterAll(async () => {
  expect(trap.requests).toEqual([]) // jku / x5u / kid URLs: never followed, on any adapter
  await trap.close()
})

runJwsCases('JWS forgery', CATEGORIES)
