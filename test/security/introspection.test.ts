import { MemoryStore, createValidator, type ValidatorOptions } from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM, type Harness } from '@tokenguard/conformance'
import { Agent } from 'undici'
import {
  HARNESSES,
  INVALID_TOKEN,
  UNAVAILABLE,
  attack,
  bearer,
  expectRefused,
  type Refusal,
} from './src/attack'
import { refusedPort, startScriptedServer, type Script, type ScriptedServer } from './src/servers'

// RFC 7662 against loopback authorization servers we script: every way an answer can be slow,
// broken, lying or meant for someone else. Timeout 300 ms, response cap 4 KiB.
const TIMEOUT = 300
const nowS = () => Math.floor(Date.now() / 1000)
const active = (extra: Record<string, unknown> = {}) => ({
  active: true,
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'bob',
  client_id: 'app',
  scope: 'items:read',
  exp: nowS() + 600,
  ...extra,
})
const json = (text: string): Script => ({ status: 200, body: text })

type Case = [name: string, answer: () => Script, expected: Refusal | 200]

const outageCases: Case[] = [
  ['slower than the timeout', () => ({ delayMs: 2000, body: active() }), UNAVAILABLE],
  ['headers at once, then a body that never ends', () => ({ dripMs: 50 }), UNAVAILABLE],
  [
    'an HTML page with 200',
    () => ({
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: '<html><body>Login</body></html>',
    }),
    UNAVAILABLE,
  ],
  ['500', () => ({ status: 500, body: { error: 'server_error' } }), UNAVAILABLE],
  ['401 (our credentials refused)', () => ({ status: 401, body: { error: 'invalid_client' } }), UNAVAILABLE],
  ['302 to a login page', () => ({ status: 302, headers: { location: '/login' }, body: '' }), UNAVAILABLE],
  ['malformed JSON', () => json('{"active": true,'), UNAVAILABLE],
  ['a JSON list', () => json('[{"active":true}]'), UNAVAILABLE],
  ['a JSON string', () => json('"active"'), UNAVAILABLE],
  ['JSON true', () => json('true'), UNAVAILABLE],
  ['an empty body', () => json(''), UNAVAILABLE],
  [
    'a huge body with its content-length (> maxResponseBytes)',
    () => ({ body: active({ pad: 'x'.repeat(10_000) }) }),
    UNAVAILABLE,
  ],
  ['a huge chunked body (> maxResponseBytes)', () => ({ chunkedBytes: 200_000 }), UNAVAILABLE],
]

const answerCases: Case[] = [
  ['active: "true" (a string)', () => ({ body: active({ active: 'true' }) }), INVALID_TOKEN],
  ['active: 1', () => ({ body: active({ active: 1 }) }), INVALID_TOKEN],
  ['active: "false"', () => ({ body: active({ active: 'false' }) }), INVALID_TOKEN],
  ['active: null', () => ({ body: active({ active: null }) }), INVALID_TOKEN],
  ['active: [true]', () => ({ body: active({ active: [true] }) }), INVALID_TOKEN],
  ['active missing', () => ({ body: active({ active: undefined }) }), INVALID_TOKEN],
  ['active: false', () => ({ body: { active: false } }), INVALID_TOKEN],
  ['active, another audience', () => ({ body: active({ aud: 'https://other.test' }) }), INVALID_TOKEN],
  [
    'active, an audience list without ours',
    () => ({ body: active({ aud: ['https://other.test', `${AUDIENCE}/`] }) }),
    INVALID_TOKEN,
  ],
  ['active, aud a number', () => ({ body: active({ aud: 1 }) }), INVALID_TOKEN],
  ['active, another issuer', () => ({ body: active({ iss: 'https://evil.test/' }) }), INVALID_TOKEN],
  ['active, iss a list', () => ({ body: active({ iss: [ISSUER] }) }), INVALID_TOKEN],
  ['active, exp in the past', () => ({ body: active({ exp: nowS() - 60 }) }), INVALID_TOKEN],
  ['active, exp a string', () => ({ body: active({ exp: String(nowS() + 600) }) }), INVALID_TOKEN],
  [
    'active, exp 1e400',
    () => json(JSON.stringify(active()).replace(/"exp":\d+/, '"exp":1e400')),
    INVALID_TOKEN,
  ],
  ['active, exp 1e300', () => ({ body: active({ exp: 1e300 }) }), INVALID_TOKEN],
  ['active, nbf in the future', () => ({ body: active({ nbf: nowS() + 300 }) }), INVALID_TOKEN],
  ['active, sub a number', () => ({ body: active({ sub: 42 }) }), INVALID_TOKEN],
  ['active, scope an object', () => ({ body: active({ scope: { 'items:read': true } }) }), INVALID_TOKEN],
  ['active, client_id a list', () => ({ body: active({ client_id: ['app'] }) }), INVALID_TOKEN],
  [
    'a refresh token (token_type refresh_token)',
    () => ({ body: active({ token_type: 'refresh_token' }) }),
    INVALID_TOKEN,
  ],
  [
    'a refresh token (token_type Refresh_Token)',
    () => ({ body: active({ token_type: 'Refresh_Token' }) }),
    INVALID_TOKEN,
  ],
  // RFC 8693 §3 names the same type by URI; some servers answer with it.
  [
    'a refresh token (token_type urn:ietf:params:oauth:token-type:refresh_token)',
    () => ({ body: active({ token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }) }),
    INVALID_TOKEN,
  ],
  ['control: active', () => ({ body: active() }), 200],
  ['control: active without exp', () => ({ body: active({ exp: undefined }) }), 200],
]

const CATEGORIES: Array<[string, Case[]]> = [
  ['outage: 503 with Retry-After, in bounded time', outageCases],
  ['answers checked, not trusted', answerCases],
]

let serial = 0
const opaque = (name: string) => `opaque-${name.replace(/[^A-Za-z0-9]/g, '')}-${++serial}`

async function opaqueApp(
  harness: Harness,
  endpoint: string,
  extra: Partial<ValidatorOptions> & { clientId?: string } = {},
) {
  const dispatcher = new Agent()
  const { clientId = 'rs', ...rest } = extra
  const validator = createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    realm: REALM,
    introspection: {
      endpoint,
      clientId,
      clientSecret: 'rs-secret',
      timeout: TIMEOUT,
      maxResponseBytes: 4096,
    },
    dispatcher,
    ...rest,
  })
  const app = await harness.start(validator, [
    { path: '/opaque', method: 'GET', route: { strategy: 'opaque' } },
    { path: '/sensitive', method: 'GET', route: { strategy: 'opaque', sensitive: true } },
  ])
  return {
    app,
    validator,
    async close() {
      await app.close()
      await validator.close()
      await dispatcher.close()
    },
  }
}

describe.each(HARNESSES)('$name: introspection', (harness) => {
  let as: ScriptedServer
  let main: Awaited<ReturnType<typeof opaqueApp>>
  const scripts = new Map<string, () => Script>()
  let offset = 0 // the validator's clock runs `offset` ms ahead of the real one

  beforeAll(async () => {
    as = await startScriptedServer((request) =>
      (scripts.get(request.token) ?? (() => ({ body: { active: false } })))(),
    )
    main = await opaqueApp(harness, `${as.url}/introspect`, { now: () => Date.now() + offset })
  })
  afterAll(async () => {
    await main?.close()
    await as?.close()
  })

  describe.each(CATEGORIES)('%s', (_category, cases) => {
    it.each(cases)('%s', async (name, answer, expected) => {
      const token = opaque(name)
      scripts.set(token, answer)
      for (const path of ['/opaque', '/sensitive']) {
        const reply = await attack(main.app.url, path, { headers: bearer(token) })
        if (expected === 200) {
          expect([reply.status, (reply.json as { auth?: { subject?: string } }).auth?.subject]).toEqual([
            200,
            'bob',
          ])
        } else {
          expectRefused(reply, expected, token, REALM)
          if (expected.status === 503) expect(reply.ms).toBeLessThan(TIMEOUT + 1200)
        }
      }
      expect(as.hits(token)).toBeGreaterThanOrEqual(1)
    })
  })

  it('an authorization server that refuses connections: 503 with Retry-After, fast', async () => {
    const down = await opaqueApp(harness, `http://127.0.0.1:${await refusedPort()}/introspect`)
    try {
      const token = opaque('down')
      const reply = await attack(down.app.url, '/opaque', { headers: bearer(token) })
      expectRefused(reply, UNAVAILABLE, token, REALM)
      expect(reply.ms).toBeLessThan(TIMEOUT + 1200)
    } finally {
      await down.close()
    }
  })

  it('an outage is never cached: the next request asks again and is accepted', async () => {
    const token = opaque('flaky')
    scripts.set(token, () => ({ status: 500, body: '' }))
    expectRefused(
      await attack(main.app.url, '/opaque', { headers: bearer(token) }),
      UNAVAILABLE,
      token,
      REALM,
    )
    scripts.set(token, () => ({ body: active() }))
    expect((await attack(main.app.url, '/opaque', { headers: bearer(token) })).status).toBe(200)
    expect(as.hits(token)).toBe(2)
  })

  it('an answer without exp is accepted but cached only briefly (defaultCacheMaxAge, 30 s)', async () => {
    const bare = opaque('noexp')
    const dated = opaque('dated')
    scripts.set(bare, () => ({ body: active({ exp: undefined }) }))
    scripts.set(dated, () => ({ body: active({ exp: nowS() + 3600 }) }))
    const get = async (token: string) =>
      (await attack(main.app.url, '/opaque', { headers: bearer(token) })).status
    for (const token of [bare, dated]) for (let i = 0; i < 3; i++) expect(await get(token)).toBe(200)
    expect([as.hits(bare), as.hits(dated)]).toEqual([1, 1])
    offset += 31_000
    for (const token of [bare, dated]) expect(await get(token)).toBe(200)
    expect([as.hits(bare), as.hits(dated)]).toEqual([2, 1]) // without exp: asked again; with exp: still cached
  })

  it('an inactive answer is cached for a short while only, and a sensitive route always asks', async () => {
    const token = opaque('inactive')
    for (let i = 0; i < 2; i++)
      expectRefused(
        await attack(main.app.url, '/opaque', { headers: bearer(token) }),
        INVALID_TOKEN,
        token,
        REALM,
      )
    expect(as.hits(token)).toBe(1)
    offset += 11_000
    scripts.set(token, () => ({ body: active({ exp: nowS() + 3600 }) }))
    expect((await attack(main.app.url, '/opaque', { headers: bearer(token) })).status).toBe(200)
    for (let i = 0; i < 2; i++)
      expect((await attack(main.app.url, '/sensitive', { headers: bearer(token) })).status).toBe(200)
    expect(as.hits(token)).toBe(4)
  })

  describe('cache-key confusion: one token, validators on other endpoints or client ids, one shared store', () => {
    let other: ScriptedServer
    const apps: Record<'a' | 'b' | 'a2', Awaited<ReturnType<typeof opaqueApp>>> = {} as never
    const store = new MemoryStore()

    beforeAll(async () => {
      // A says active, but only to client `rs-one`; B says inactive to everyone.
      other = await startScriptedServer(() => ({ body: { active: false } }))
      const a = await startScriptedServer((request) => ({
        body: request.clientId === 'rs-one' ? active() : { active: false },
      }))
      apps.a = await opaqueApp(harness, `${a.url}/introspect`, { clientId: 'rs-one', store })
      apps.a2 = await opaqueApp(harness, `${a.url}/introspect`, { clientId: 'rs-two', store })
      apps.b = await opaqueApp(harness, `${other.url}/introspect`, { clientId: 'rs-one', store })
      const close = apps.a.close
      apps.a.close = async () => {
        await close()
        await a.close()
      }
    })
    afterAll(async () => {
      await Promise.all(Object.values(apps).map((app) => app.close()))
      await other?.close()
      await store.close()
    })

    it.each([
      ['the active answer first', ['a', 'b', 'a2', 'a'] as const],
      ['the inactive answers first', ['b', 'a2', 'a', 'b', 'a2'] as const],
    ])('each validator answers by its own server (%s)', async (_name, order) => {
      const token = opaque('shared')
      for (const which of order) {
        const reply = await attack(apps[which].app.url, '/opaque', { headers: bearer(token) })
        if (which === 'a') expect(reply.status).toBe(200)
        else expectRefused(reply, INVALID_TOKEN, token, REALM)
      }
      expect(other.hits(token)).toBe(1)
    })
  })
})
