import { createValidator, type Validator } from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM, type RunningApp } from '@tokenguard/conformance'
import { HARNESSES, INVALID_TOKEN, attack, bearer, expectRefused } from './src/attack'
import { claims, genuine, nowSeconds, rsaKey } from './src/forge'

// Every token here carries a genuine RS256 signature from the trusted key: the only defect is the
// claim (or `typ`) named in the case, so each refusal comes from claim checking, not from the key.
const rsa = rsaKey('rsa-main')

type Case = [name: string, make: () => string, expected: 401 | 200]

/** A genuine token whose payload is `claims()` with `raw` JSON members spliced in as text (last wins). */
function rawClaims(raw: string, drop: string[] = []): string {
  const base = claims()
  for (const name of drop) delete base[name]
  const json = JSON.stringify(base)
  return genuine(rsa, 'RS256', {}, raw === '' ? json : `${json.slice(0, -1)},${raw}}`)
}
const withClaims = (extra: Record<string, unknown>) => genuine(rsa, 'RS256', {}, extra)
const header = (extra: Record<string, unknown>) => genuine(rsa, 'RS256', extra)

// Wrong types: numbers as strings, 1e400 (Infinity after JSON.parse), 1e300, lists, objects.
const wrongTypes: Record<string, string[]> = {
  exp: [
    '"9999999999"',
    '1e400',
    '-1e400',
    '1e300',
    '-1',
    '100000000001',
    '[9999999999]',
    '{"$gt":0}',
    'null',
    'true',
    '""',
  ],
  nbf: ['"0"', '1e400', '1e300', '[0]', '{}', 'null', 'false'],
  iat: ['"0"', '1e400', '1e300', '-1', '[0]', '{}', 'null'],
  iss: [`["${ISSUER}"]`, `{"iss":"${ISSUER}"}`, '1', 'null', 'true'],
  aud: [
    '1',
    'null',
    '{}',
    `[["${AUDIENCE}"]]`,
    `["${AUDIENCE}",1]`,
    `["${AUDIENCE}",null]`,
    `{"0":"${AUDIENCE}"}`,
  ],
  sub: ['1', '["alice"]', '{"$ne":null}', 'true', 'null'],
  jti: ['1', '["a"]', '{}', 'null'],
  client_id: ['1', '["app"]', '{}', 'null'],
  scope: ['1', '[1]', '["items:read",1]', '{"items:read":true}', '[["items:read"]]', 'null', 'true'],
  scp: ['1', '[1]', '{"0":"items:read"}', 'null'],
}
const typeCases: Case[] = Object.entries(wrongTypes).flatMap(([name, values]) =>
  values.map((value): Case => [
    `${name}: ${value.length > 40 ? `${value.slice(0, 40)}…` : value}`,
    () => rawClaims(`"${name}":${value}`),
    401,
  ]),
)

const now = nowSeconds
const timeCases: Case[] = [
  ['exp missing', () => rawClaims('', ['exp']), 401],
  ['exp in the past (beyond leeway)', () => withClaims({ iat: now() - 600, exp: now() - 60 }), 401],
  ['exp now', () => withClaims({ exp: now() - 5 }), 401],
  ['exp 0', () => withClaims({ exp: 0 }), 401],
  ['exp absurd (1e300)', () => withClaims({ exp: 1e300 }), 401],
  ['exp absurd (2^53)', () => withClaims({ exp: 2 ** 53 }), 401],
  ['exp negative', () => withClaims({ exp: -1 }), 401],
  ['nbf in the future', () => withClaims({ nbf: now() + 300 }), 401],
  ['nbf far in the future', () => withClaims({ nbf: now() + 10 ** 9 }), 401],
  ['iat in the future', () => withClaims({ iat: now() + 300 }), 401],
  ['iat far in the future', () => withClaims({ iat: now() + 10 ** 9 }), 401],
  ['exp before nbf, both around now', () => withClaims({ nbf: now() + 120, exp: now() + 60 }), 401],
  ['control: nbf and iat within the leeway', () => withClaims({ nbf: now() + 2, iat: now() + 2 }), 200],
  ['control: exp one minute ahead', () => withClaims({ exp: now() + 60 }), 200],
]

const identityCases: Case[] = [
  ['iss unknown', () => withClaims({ iss: 'https://evil.test/' }), 401],
  ['iss missing', () => rawClaims('', ['iss']), 401],
  ['iss without the trailing slash', () => withClaims({ iss: ISSUER.slice(0, -1) }), 401],
  ['iss in another case', () => withClaims({ iss: ISSUER.toUpperCase() }), 401],
  ['iss with a path appended', () => withClaims({ iss: `${ISSUER}../evil` }), 401],
  ['aud of another resource', () => withClaims({ aud: 'https://other.test' }), 401],
  ['aud missing', () => rawClaims('', ['aud']), 401],
  ['aud empty list', () => withClaims({ aud: [] }), 401],
  ['aud with a trailing slash', () => withClaims({ aud: `${AUDIENCE}/` }), 401],
  ['aud as a prefix match', () => withClaims({ aud: AUDIENCE.slice(0, -1) }), 401],
  ['control: aud a list holding ours', () => withClaims({ aud: ['https://other.test', AUDIENCE] }), 200],
]

const typCases: Case[] = [
  ['typ JWT (an ID token used as an access token)', () => header({ typ: 'JWT' }), 401],
  [
    'ID token claims and typ JWT',
    () => genuine(rsa, 'RS256', { typ: 'JWT' }, { nonce: 'n', auth_time: now(), azp: 'app' }),
    401,
  ],
  ['typ missing', () => genuine(rsa, 'RS256', { typ: undefined }), 401],
  ['typ dpop+jwt (a DPoP proof)', () => header({ typ: 'dpop+jwt' }), 401],
  ['typ at+jwt as a list', () => header({ typ: ['at+jwt'] }), 401],
  ['typ a number', () => header({ typ: 1 }), 401],
  ['typ at+jwt with a suffix', () => header({ typ: 'at+jwt; q=1' }), 401],
  ['control: typ application/at+jwt', () => header({ typ: 'application/at+jwt' }), 200],
  ['control: typ AT+JWT', () => header({ typ: 'AT+JWT' }), 200],
]

const CATEGORIES: Array<[string, Case[]]> = [
  ['claim types', typeCases],
  ['time claims', timeCases],
  ['issuer and audience', identityCases],
  ['typ', typCases],
]

describe.each(HARNESSES)('$name: claims', (harness) => {
  let validator: Validator
  let app: RunningApp

  beforeAll(async () => {
    validator = createValidator({
      issuer: ISSUER,
      audience: AUDIENCE,
      realm: REALM,
      jwt: { algorithms: ['RS256'], jwks: { keys: [rsa.jwk as never] } },
    })
    app = await harness.start(validator, [
      { path: '/jwt', method: 'GET', route: {} },
      { path: '/sensitive', method: 'GET', route: { sensitive: true } },
    ])
  })
  afterAll(async () => {
    await app?.close()
    await validator?.close()
  })

  describe.each(CATEGORIES)('%s', (_category, cases) => {
    it.each(cases)('%s', async (_name, make, expected) => {
      const token = make()
      for (const path of ['/jwt', '/sensitive']) {
        const answer = await attack(app.url, path, { headers: bearer(token) })
        if (expected === 200) expect(answer.status).toBe(200)
        else expectRefused(answer, INVALID_TOKEN, token, REALM)
      }
    })
  })

  it('a refused token stays refused when sent again (no cache entry was made for it)', async () => {
    const token = rawClaims('"exp":1e400')
    for (let i = 0; i < 3; i++)
      expectRefused(await attack(app.url, '/jwt', { headers: bearer(token) }), INVALID_TOKEN, token, REALM)
  })
})
