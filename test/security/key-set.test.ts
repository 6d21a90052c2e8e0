import { createValidator, type Validator } from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM, type Harness, type RunningApp } from '@tokenguard/conformance'
import { Agent } from 'undici'
import { HARNESSES, INVALID_TOKEN, UNAVAILABLE, attack, bearer, expectRefused } from './src/attack'
import { claims, forge, rsaKey } from './src/forge'
import { refusedPort, startScriptedServer, type Script, type ScriptedServer } from './src/servers'

// A remote key set (jwksUri on a loopback server we script) under attack: kid floods, huge, slow
// and broken responses, and a set that suddenly drops every key. Timeout 300 ms, cap 4 KiB.
const TIMEOUT = 300
const rsa = rsaKey('rsa-main')
const goodSet = { keys: [rsa.jwk] }

interface KeyApp {
  app: RunningApp
  validator: Validator
  jwks: ScriptedServer
  /** The validator's clock runs this many ms ahead of the real one. */
  clock: { offset: number }
  /** A token good at the validator's now, with this `kid`. */
  token(kid?: string): string
  close(): Promise<void>
}

async function keyApp(harness: Harness, script: () => Script, jwksUrl?: string): Promise<KeyApp> {
  const jwks = await startScriptedServer(script)
  const clock = { offset: 0 }
  const now = () => Date.now() + clock.offset
  const dispatcher = new Agent()
  const validator = createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    realm: REALM,
    jwt: {
      algorithms: ['RS256'],
      jwksUri: jwksUrl ?? `${jwks.url}/jwks`,
      keySet: { timeout: TIMEOUT, maxResponseBytes: 4096 }, // cacheMaxAge 600 s, cooldown 30 s
    },
    now,
    dispatcher,
  })
  const app = await harness.start(validator, [
    { path: '/jwt', method: 'GET', route: {} },
    { path: '/sensitive', method: 'GET', route: { sensitive: true } },
  ])
  return {
    app,
    validator,
    jwks,
    clock,
    token: (kid = rsa.kid) =>
      forge(
        { header: { alg: 'RS256', kid }, payload: claims({}, Math.floor(now() / 1000)) },
        'RS256',
        rsa.privateKey,
      ),
    async close() {
      await app.close()
      await validator.close()
      await dispatcher.close()
      await jwks.close()
    },
  }
}

const outages: Array<[string, () => Script]> = [
  [
    'larger than maxResponseBytes (content-length)',
    () => ({ body: { keys: [rsa.jwk], pad: 'x'.repeat(10_000) } }),
  ],
  ['larger than maxResponseBytes (chunked)', () => ({ chunkedBytes: 500_000 })],
  ['slower than the timeout', () => ({ delayMs: 3000, body: goodSet })],
  ['a body that never ends', () => ({ dripMs: 50 })],
  ['500', () => ({ status: 500, body: 'oops' })],
  [
    'an HTML page with 200',
    () => ({ headers: { 'content-type': 'text/html' }, body: '<html>maintenance</html>' }),
  ],
  ['malformed JSON', () => ({ body: '{"keys":[' })],
  ['keys not a list', () => ({ body: { keys: rsa.jwk } })],
]

describe.each(HARNESSES)('$name: key set', (harness) => {
  const opened: KeyApp[] = []
  const open = async (script: () => Script, url?: string) => {
    const keys = await keyApp(harness, script, url)
    opened.push(keys)
    return keys
  }
  afterAll(async () => {
    await Promise.all(opened.map((keys) => keys.close()))
  })

  it('a flood of 200 random kids costs at most one extra fetch within the cooldown', async () => {
    const keys = await open(() => ({ body: goodSet }))
    await keys.validator.ready()
    expect(keys.jwks.hits()).toBe(1)
    expect((await attack(keys.app.url, '/jwt', { headers: bearer(keys.token()) })).status).toBe(200)
    keys.clock.offset += 31_000 // past the cooldown of the first fetch: one refetch is allowed
    const kids = Array.from({ length: 200 }, (_, i) => `rotated-${i}-${Math.random().toString(36).slice(2)}`)
    for (let i = 0; i < kids.length; i += 25) {
      const batch = kids.slice(i, i + 25).map(async (kid) => {
        const token = keys.token(kid)
        expectRefused(
          await attack(keys.app.url, '/jwt', { headers: bearer(token) }),
          INVALID_TOKEN,
          token,
          REALM,
        )
      })
      await Promise.all(batch)
    }
    expect(keys.jwks.hits() - 1).toBeLessThanOrEqual(1)
    const hits = keys.jwks.hits()
    expect((await attack(keys.app.url, '/jwt', { headers: bearer(keys.token()) })).status).toBe(200)
    expect(keys.jwks.hits()).toBe(hits)
  })

  it.each(outages)(
    'a key set endpoint answering %s: 503 with Retry-After in bounded time, then no refetch per request',
    async (_name, script) => {
      const keys = await open(script)
      for (let i = 0; i < 3; i++) {
        const token = keys.token()
        const reply = await attack(keys.app.url, '/jwt', { headers: bearer(token) })
        expectRefused(reply, UNAVAILABLE, token, REALM)
        expect(reply.ms).toBeLessThan(TIMEOUT + 1200)
      }
      expect(keys.jwks.hits()).toBe(1) // cooldown: a failing endpoint is not hammered
    },
  )

  it('a key set endpoint refusing connections: 503 with Retry-After, fast', async () => {
    const keys = await open(() => ({ body: goodSet }), `http://127.0.0.1:${await refusedPort()}/jwks`)
    const token = keys.token()
    const reply = await attack(keys.app.url, '/jwt', { headers: bearer(token) })
    expectRefused(reply, UNAVAILABLE, token, REALM)
    expect(reply.ms).toBeLessThan(TIMEOUT + 1200)
  })

  it.each([
    ['an empty key list', { keys: [] }],
    [
      'only a symmetric key',
      { keys: [{ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA', kid: rsa.kid }] },
    ],
    ['only the same key marked for encryption', { keys: [{ ...rsa.jwk, use: 'enc' }] }],
    ['only another key under the same kid', { keys: [{ ...rsaKey('x').jwk, kid: rsa.kid }] }],
  ])(
    'a key set that drops every key (%s) at its next refresh: 401, cached tokens included, never 503',
    async (_name, dropped) => {
      const keys = await open(() => ({ body: goodSet }))
      const cached = keys.token()
      expect((await attack(keys.app.url, '/jwt', { headers: bearer(cached) })).status).toBe(200)
      keys.jwks.script = () => ({ body: dropped })
      keys.clock.offset += 601_000 // cacheMaxAge passed: the next request refetches
      for (const token of [cached, keys.token()]) {
        for (const path of ['/jwt', '/sensitive']) {
          expectRefused(
            await attack(keys.app.url, path, { headers: bearer(token) }),
            INVALID_TOKEN,
            token,
            REALM,
          )
        }
      }
      expect(keys.jwks.hits()).toBe(2)
    },
  )

  it('a key set that drops every key, seen through an unknown-kid refetch: the cached token is refused too', async () => {
    const keys = await open(() => ({ body: goodSet }))
    const cached = keys.token()
    expect((await attack(keys.app.url, '/jwt', { headers: bearer(cached) })).status).toBe(200)
    keys.jwks.script = () => ({ body: { keys: [] } })
    keys.clock.offset += 31_000
    const unknown = keys.token('rotated')
    expectRefused(
      await attack(keys.app.url, '/jwt', { headers: bearer(unknown) }),
      INVALID_TOKEN,
      unknown,
      REALM,
    )
    expect(keys.jwks.hits()).toBe(2)
    expectRefused(
      await attack(keys.app.url, '/jwt', { headers: bearer(cached) }),
      INVALID_TOKEN,
      cached,
      REALM,
    )
  })

  it('a key set endpoint that breaks after a good fetch: the last good set serves (stale-if-error), never 500', async () => {
    const keys = await open(() => ({ body: goodSet }))
    expect((await attack(keys.app.url, '/jwt', { headers: bearer(keys.token()) })).status).toBe(200)
    keys.jwks.script = () => ({ status: 500, body: '' })
    keys.clock.offset += 601_000
    expect((await attack(keys.app.url, '/jwt', { headers: bearer(keys.token()) })).status).toBe(200)
    expect(keys.jwks.hits()).toBe(2)
  })
})
