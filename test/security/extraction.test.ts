import { createValidator, type Validator } from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM, type RunningApp, type SendOptions } from '@tokenguard/conformance'
import {
  HARNESSES,
  INVALID_REQUEST,
  INVALID_TOKEN,
  NO_TOKEN,
  attack,
  bearer,
  expectNothingLeaked,
  expectRefused,
  portOf,
  rawRequest,
  type Refusal,
} from './src/attack'
import { genuine, rsaKey } from './src/forge'

// RFC 6750 §2: how a token may arrive, and every way a request can get that wrong. `plain` takes
// header tokens only; `extras` also takes query and form-body tokens (both enabled).
const rsa = rsaKey('rsa-main')
const good = genuine(rsa, 'RS256')

type App = 'plain' | 'extras'
type Case = [
  name: string,
  app: App,
  path: string,
  request: () => SendOptions,
  expected: Refusal | 200 | 'anonymous',
]

const auth = (value: string): SendOptions => ({ headers: [['Authorization', value]] })
const form: Array<[string, string]> = [['Content-Type', 'application/x-www-form-urlencoded']]

const headerCases: Case[] = [
  ['Bearer alone', 'plain', '/jwt', () => auth('Bearer'), INVALID_REQUEST],
  ['Bearer and a space (an empty token)', 'plain', '/jwt', () => auth('Bearer '), INVALID_REQUEST],
  ['an empty Authorization header', 'plain', '/jwt', () => auth(''), NO_TOKEN],
  // RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; one space or several, nothing else.
  ['control: two spaces before the token', 'plain', '/jwt', () => auth(`Bearer  ${good}`), 200],
  ['control: eight spaces before the token', 'plain', '/jwt', () => auth(`Bearer        ${good}`), 200],
  ['a tab instead of the space', 'plain', '/jwt', () => auth(`Bearer\t${good}`), INVALID_REQUEST],
  ['a space then a tab', 'plain', '/jwt', () => auth(`Bearer \t${good}`), INVALID_REQUEST],
  ['a tab then a space', 'plain', '/jwt', () => auth(`Bearer\t ${good}`), INVALID_REQUEST],
  ['a comma after the scheme', 'plain', '/jwt', () => auth(`Bearer,${good}`), INVALID_REQUEST],
  ['a slash after the scheme', 'plain', '/jwt', () => auth(`Bearer/${good}`), INVALID_REQUEST],
  ['an equals sign after the scheme', 'plain', '/jwt', () => auth(`Bearer=${good}`), INVALID_REQUEST],
  ['a no-break space after the scheme', 'plain', '/jwt', () => auth(`Bearer\u00a0${good}`), INVALID_REQUEST],
  ['the scheme in lower case with a tab', 'plain', '/jwt', () => auth(`bearer\t${good}`), INVALID_REQUEST],
  [
    'a space inside the token',
    'plain',
    '/jwt',
    () => auth(`Bearer ${good.slice(0, 20)} ${good.slice(20)}`),
    INVALID_REQUEST,
  ],
  ['a second word after the token', 'plain', '/jwt', () => auth(`Bearer ${good} extra`), INVALID_REQUEST],
  [
    'two tokens joined by a comma',
    'plain',
    '/jwt',
    () => auth(`Bearer ${good}, Bearer ${good}`),
    INVALID_REQUEST,
  ],
  ['the token quoted', 'plain', '/jwt', () => auth(`Bearer "${good}"`), INVALID_REQUEST],
  ['the token and a semicolon', 'plain', '/jwt', () => auth(`Bearer ${good};`), INVALID_REQUEST],
  ['a latin-1 character', 'plain', '/jwt', () => auth('Bearer caf\u00e9'), INVALID_REQUEST],
  ['padding only', 'plain', '/jwt', () => auth('Bearer =='), INVALID_REQUEST],
  ['the token with padding appended', 'plain', '/jwt', () => auth(`Bearer ${good}=`), INVALID_TOKEN],
  ['the token with no scheme', 'plain', '/jwt', () => auth(good), NO_TOKEN],
  ['the Basic scheme', 'plain', '/jwt', () => auth('Basic dXNlcjpwYXNz'), NO_TOKEN],
  ['an unknown scheme carrying the token', 'plain', '/jwt', () => auth(`Token ${good}`), NO_TOKEN],
  ['a scheme that only starts with Bearer', 'plain', '/jwt', () => auth(`Bearerx ${good}`), NO_TOKEN],
  ['the MAC scheme', 'plain', '/jwt', () => auth('MAC id="h480djs93hd8", nonce="x", mac="y"'), NO_TOKEN],
  [
    'two Authorization headers',
    'plain',
    '/jwt',
    () => ({ headers: [...bearer(good), ...bearer(good)] }),
    INVALID_REQUEST,
  ],
  [
    'two Authorization headers, Bearer then Basic',
    'plain',
    '/jwt',
    () => ({ headers: [...bearer(good), ['Authorization', 'Basic dTpw']] }),
    INVALID_REQUEST,
  ],
  [
    'two Authorization headers, Basic then Bearer',
    'plain',
    '/jwt',
    () => ({ headers: [['Authorization', 'Basic dTpw'], ...bearer(good)] }),
    INVALID_REQUEST,
  ],
  [
    'two Authorization headers spelled differently',
    'plain',
    '/jwt',
    () => ({
      headers: [
        ['authorization', `Bearer ${good}`],
        ['AUTHORIZATION', `Bearer ${good}`],
      ],
    }),
    INVALID_REQUEST,
  ],
  [
    'two Authorization headers, the second empty',
    'plain',
    '/jwt',
    () => ({ headers: [...bearer(good), ['Authorization', '']] }),
    INVALID_REQUEST,
  ],
  ['a token of 8 KiB + 1', 'plain', '/jwt', () => auth(`Bearer ${'a'.repeat(8193)}`), INVALID_TOKEN],
  [
    'a JWS-shaped token of 8 KiB + 1',
    'plain',
    '/jwt',
    () => auth(`Bearer ${good}${'A'.repeat(8193 - good.length)}`),
    INVALID_TOKEN,
  ],
  [
    "a 12 KiB header (under Node's limit)",
    'plain',
    '/jwt',
    () => auth(`Bearer ${'a'.repeat(12 * 1024)}`),
    INVALID_TOKEN,
  ],
  [
    'a 12 KiB header of spaces and junk',
    'plain',
    '/jwt',
    () => auth(`Bearer ${'a '.repeat(6 * 1024)}`),
    INVALID_TOKEN,
  ],
  ['optional route: Bearer alone', 'plain', '/maybe', () => auth('Bearer'), INVALID_REQUEST],
  ['optional route: a bad token', 'plain', '/maybe', () => auth('Bearer not.a.jwt'), INVALID_TOKEN],
  [
    'optional route: two Authorization headers',
    'plain',
    '/maybe',
    () => ({ headers: [...bearer(good), ...bearer(good)] }),
    INVALID_REQUEST,
  ],
  [
    'optional route: a tab after the scheme',
    'plain',
    '/maybe',
    () => auth(`Bearer\t${good}`),
    INVALID_REQUEST,
  ],
  ['control: optional route, two spaces', 'plain', '/maybe', () => auth(`Bearer  ${good}`), 200],
  ['control: optional route, another scheme', 'plain', '/maybe', () => auth('Basic dTpw'), 'anonymous'],
  ['control: the scheme in lower case', 'plain', '/jwt', () => auth(`bearer ${good}`), 200],
]

const methodCases: Case[] = [
  [
    'header and query, query enabled',
    'extras',
    `/q?access_token=${good}`,
    () => ({ headers: bearer(good) }),
    INVALID_REQUEST,
  ],
  [
    'header and an empty query parameter',
    'extras',
    '/q?access_token=',
    () => ({ headers: bearer(good) }),
    INVALID_REQUEST,
  ],
  [
    'the query parameter twice',
    'extras',
    `/q?access_token=${good}&access_token=${good}`,
    () => ({}),
    INVALID_REQUEST,
  ],
  ['an empty query parameter', 'extras', '/q?access_token=', () => ({}), INVALID_REQUEST],
  ['a query token with a space', 'extras', '/q?access_token=a%20b', () => ({}), INVALID_REQUEST],
  ['a query token of 8 KiB + 1', 'extras', `/q?access_token=${'a'.repeat(8193)}`, () => ({}), INVALID_TOKEN],
  [
    'header and form body, body enabled',
    'extras',
    '/form',
    () => ({ method: 'POST', headers: [...form, ...bearer(good)], body: `access_token=${good}` }),
    INVALID_REQUEST,
  ],
  [
    'query and form body, both enabled',
    'extras',
    `/form?access_token=${good}`,
    () => ({ method: 'POST', headers: form, body: `access_token=${good}` }),
    INVALID_REQUEST,
  ],
  [
    'the form parameter twice',
    'extras',
    '/form',
    () => ({ method: 'POST', headers: form, body: `access_token=${good}&access_token=${good}` }),
    INVALID_REQUEST,
  ],
  ['a query token when query tokens are off', 'plain', `/jwt?access_token=${good}`, () => ({}), NO_TOKEN],
  [
    'a form token when body tokens are off',
    'plain',
    '/form',
    () => ({ method: 'POST', headers: form, body: `access_token=${good}` }),
    NO_TOKEN,
  ],
  ['control: a query token alone', 'extras', `/q?access_token=${good}`, () => ({}), 200],
  [
    'control: a form token alone',
    'extras',
    '/form',
    () => ({ method: 'POST', headers: form, body: `access_token=${good}` }),
    200,
  ],
  [
    'control: header plus a query token that is off',
    'plain',
    `/jwt?access_token=${good}`,
    () => ({ headers: bearer(good) }),
    200,
  ],
]

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". A token
// of allowed characters that is no JWS reaches verification (401 on a JWT route); any other visible
// ASCII character is a malformed request (400).
const B64TOKEN_EXTRA = new Set(['-', '.', '_', '~', '+', '/'])
const visibleAscii = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i))
const charsetCases: Case[] = [
  ...visibleAscii
    .filter((c) => !/[A-Za-z0-9]/.test(c) && !B64TOKEN_EXTRA.has(c) && c !== '=')
    .map((c): Case => [
      `${JSON.stringify(c)} inside the token`,
      'plain',
      '/jwt',
      () => auth(`Bearer ab${c}cd`),
      INVALID_REQUEST,
    ]),
  ...[...B64TOKEN_EXTRA].map((c): Case => [
    `${JSON.stringify(c)} inside the token (allowed)`,
    'plain',
    '/jwt',
    () => auth(`Bearer ab${c}cd`),
    INVALID_TOKEN,
  ]),
  ['"=" padding at the end (allowed)', 'plain', '/jwt', () => auth('Bearer abcd=='), INVALID_TOKEN],
  ['"=" inside the token', 'plain', '/jwt', () => auth('Bearer ab=cd'), INVALID_REQUEST],
  ['"=" at the start', 'plain', '/jwt', () => auth('Bearer =abcd'), INVALID_REQUEST],
  ['only allowed punctuation (allowed)', 'plain', '/jwt', () => auth('Bearer -._~+/'), INVALID_TOKEN],
]

const CATEGORIES: Array<[string, Case[]]> = [
  ['Authorization header', headerCases],
  ['two methods, query and body', methodCases],
  ['b64token charset', charsetCases],
]

describe.each(HARNESSES)('$name: extraction', (harness) => {
  const apps = {} as Record<App, RunningApp>
  const validators: Validator[] = []

  beforeAll(async () => {
    const options = (extra: object) =>
      createValidator({
        issuer: ISSUER,
        audience: AUDIENCE,
        realm: REALM,
        jwt: { algorithms: ['RS256'], jwks: { keys: [rsa.jwk as never] } },
        ...extra,
      })
    validators.push(options({}), options({ allowQueryToken: true, allowBodyToken: true }))
    apps.plain = await harness.start(validators[0]!, [
      { path: '/jwt', method: 'GET', route: {} },
      { path: '/maybe', method: 'GET', route: { optional: true } },
      { path: '/form', method: 'POST', route: {}, formBody: true },
    ])
    apps.extras = await harness.start(validators[1]!, [
      { path: '/q', method: 'GET', route: {} },
      { path: '/form', method: 'POST', route: {}, formBody: true },
    ])
  })
  afterAll(async () => {
    await Promise.all(Object.values(apps).map((app) => app.close()))
    await Promise.all(validators.map((validator) => validator.close()))
  })

  describe.each(CATEGORIES)('%s', (_category, cases) => {
    it.each(cases)('%s', async (_name, app, path, request, expected) => {
      const answer = await attack(apps[app].url, path, request())
      if (expected === 200)
        expect([answer.status, (answer.json as { auth?: { subject?: string } })?.auth?.subject]).toEqual([
          200,
          'alice',
        ])
      else if (expected === 'anonymous') expect([answer.status, answer.json]).toEqual([200, { auth: null }])
      else expectRefused(answer, expected, good, REALM)
    })
  })

  it.each([
    ['1 MiB', 1 << 20],
    ['64 KiB', 64 * 1024],
    ['17 KiB', 17 * 1024],
  ])(
    'a %s Authorization header is cut off by Node (431), not a 500 and not a hang; the server lives on',
    async (_name, size) => {
      const started = performance.now()
      const head = `GET /jwt HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${'a'.repeat(size)}\r\nConnection: close\r\n\r\n`
      const { status, text } = await rawRequest(portOf(apps.plain.url), head)
      // 431 from Node's parser; 0 when the server closed the socket before we could read it.
      expect([0, 431]).toContain(status)
      expect(performance.now() - started).toBeLessThan(3000)
      expect(text).not.toMatch(/^\s*at |Error:/m)
      const after = await attack(apps.plain.url, '/jwt', { headers: bearer(good) })
      expect(after.status).toBe(200)
    },
  )

  it('a refused request echoes nothing of what it sent, whatever the method', async () => {
    const marker = 'ZZmarkerZZ0123456789'
    for (const options of [
      auth(`Bearer ${marker}`),
      auth(`Bearer ${marker} ${marker}`),
      auth(`Token ${marker}`),
    ]) {
      const answer = await attack(apps.plain.url, '/jwt', options)
      expect(answer.status).not.toBe(200)
      expectNothingLeaked(answer, marker)
    }
  })
})
