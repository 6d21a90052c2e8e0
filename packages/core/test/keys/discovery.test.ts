import { exportJWK, generateKeyPair } from 'jose'
import { Agent } from 'undici'
import type { TokenEvent } from '../../src/events.js'
import {
  createMetadataCache,
  discoverMetadata,
  MetadataError,
  metadataUrls,
  type MetadataCacheOptions,
} from '../../src/keys/discovery.js'
import { createRemoteKeySet } from '../../src/keys/remote-key-set.js'
import { resolveKeySet } from '../../src/options/jwt.js'
import { startScriptedServer, type Script, type ScriptedServer } from '../helpers/scripted-server.js'

type Handler = Script

/** An authorization server stub on 127.0.0.1 (the shared scripted server): each test maps paths to answers. */
let server: ScriptedServer
let origin: string
let routes: Map<string, Handler>
const hits = () => server.requests.map((request) => request.path)

beforeAll(async () => {
  server = await startScriptedServer(
    (request) =>
      routes.get(request.path) ?? {
        status: 404,
        headers: { 'content-type': 'text/plain' },
        body: 'not found',
      },
  )
  origin = server.url
})

afterAll(() => server.close())

const json = (body: unknown): Handler => ({ body })

let agent: Agent
let events: TokenEvent[]
let clock: number

beforeEach(() => {
  agent = new Agent()
  events = []
  clock = 1_000_000
  routes = new Map()
  server.requests.length = 0
})

afterEach(async () => {
  await agent.destroy()
})

const options = (extra: Partial<MetadataCacheOptions> = {}): MetadataCacheOptions => ({
  // Generous: the first request of a file also pays for undici's parser start-up.
  timeout: 2000,
  maxResponseBytes: 4096,
  cooldownMs: 30_000,
  dispatcher: agent,
  onEvent: (event) => events.push(event),
  now: () => clock,
  ...extra,
})

const RFC8414 = '/.well-known/oauth-authorization-server'
const OIDC = '/.well-known/openid-configuration'

describe('metadataUrls', () => {
  it.each([
    [
      'https://as.example',
      'https://as.example/.well-known/oauth-authorization-server',
      'https://as.example/.well-known/openid-configuration',
    ],
    [
      'https://as.example/',
      'https://as.example/.well-known/oauth-authorization-server',
      'https://as.example/.well-known/openid-configuration',
    ],
    [
      'https://as.example/tenant',
      'https://as.example/.well-known/oauth-authorization-server/tenant',
      'https://as.example/tenant/.well-known/openid-configuration',
    ],
    [
      'https://as.example/tenant/',
      'https://as.example/.well-known/oauth-authorization-server/tenant',
      'https://as.example/tenant/.well-known/openid-configuration',
    ],
    [
      'https://as.example:8443/a/b',
      'https://as.example:8443/.well-known/oauth-authorization-server/a/b',
      'https://as.example:8443/a/b/.well-known/openid-configuration',
    ],
  ])('%s → RFC 8414 %s, then OIDC %s', (issuer, rfc8414, openid) => {
    expect(metadataUrls(issuer)).toEqual([rfc8414, openid])
  })
  // A bad issuer never gets here: it is refused where it enters (options, the issuer resolver).
})

describe('discoverMetadata', () => {
  it('uses RFC 8414 first and does not ask for the OIDC document', async () => {
    routes.set(RFC8414, json({ issuer: origin, jwks_uri: `${origin}/rfc8414-jwks` }))
    routes.set(OIDC, json({ issuer: origin, jwks_uri: `${origin}/oidc-jwks` }))
    const metadata = await discoverMetadata(origin, options())
    expect(metadata.jwks_uri).toBe(`${origin}/rfc8414-jwks`)
    expect(hits()).toEqual([RFC8414])
    expect(events).toEqual([
      { type: 'metadata_fetch', url: `${origin}${RFC8414}`, outcome: 'ok', durationMs: expect.any(Number) },
    ])
  })

  it('falls back to OIDC discovery when RFC 8414 is not served', async () => {
    routes.set(OIDC, json({ issuer: origin, jwks_uri: `${origin}/oidc-jwks`, extra: 1 }))
    const metadata = await discoverMetadata(origin, options())
    expect(metadata).toEqual({ issuer: origin, jwks_uri: `${origin}/oidc-jwks`, extra: 1 })
    expect(hits()).toEqual([RFC8414, OIDC])
    expect(events.map((e) => e.type === 'metadata_fetch' && e.outcome)).toEqual(['error', 'ok'])
  })

  it('inserts the well-known segment before the path of a path issuer (RFC 8414 §3.1)', async () => {
    const issuer = `${origin}/tenant-a`
    routes.set(`${RFC8414}/tenant-a`, json({ issuer, jwks_uri: `${issuer}/jwks` }))
    routes.set(RFC8414, json({ issuer: origin, jwks_uri: `${origin}/wrong` }))
    await expect(discoverMetadata(issuer, options())).resolves.toMatchObject({ jwks_uri: `${issuer}/jwks` })
    expect(hits()).toEqual([`${RFC8414}/tenant-a`])
  })

  it('falls back to the OIDC URL appended to a path issuer', async () => {
    const issuer = `${origin}/tenant-b/`
    routes.set(`/tenant-b${OIDC}`, json({ issuer, jwks_uri: `${origin}/tenant-b/jwks` }))
    await expect(discoverMetadata(issuer, options())).resolves.toMatchObject({ issuer })
    expect(hits()).toEqual([`${RFC8414}/tenant-b`, `/tenant-b${OIDC}`])
  })

  it.each<[string, unknown]>([
    ['another issuer', { issuer: 'https://evil.example', jwks_uri: 'https://evil.example/jwks' }],
    ['the issuer with a trailing slash added', { issuer: 'TRAILING', jwks_uri: 'https://as.example/jwks' }],
    ['no issuer', { jwks_uri: 'https://as.example/jwks' }],
    ['a jwks_uri that is not a URL', { issuer: 'SELF', jwks_uri: 42 }],
  ])('rejects a document with %s (RFC 8414 §3.3)', async (_, document) => {
    const body = JSON.parse(
      JSON.stringify(document).replace('"TRAILING"', `"${origin}/"`).replace('"SELF"', `"${origin}"`),
    )
    routes.set(RFC8414, json(body))
    routes.set(OIDC, json(body))
    const error = await discoverMetadata(origin, options()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MetadataError)
    expect(error).toMatchObject({ code: 'ERR_METADATA_UNAVAILABLE', issuer: origin })
    expect((error as MetadataError).attempts.map((a) => a.url)).toEqual([
      `${origin}${RFC8414}`,
      `${origin}${OIDC}`,
    ])
  })

  it('skips a mismatched RFC 8414 document and accepts a matching OIDC one', async () => {
    routes.set(RFC8414, json({ issuer: 'https://other.example' }))
    routes.set(OIDC, json({ issuer: origin, jwks_uri: `${origin}/jwks` }))
    await expect(discoverMetadata(origin, options())).resolves.toMatchObject({ jwks_uri: `${origin}/jwks` })
  })

  it.each<[string, () => Handler]>([
    ['HTML', () => ({ headers: { 'content-type': 'text/html' }, body: '<html>login</html>' })],
    ['a 500', () => ({ status: 500, body: { issuer: origin } })],
    ['a JSON array', () => json([{ issuer: 'x' }])],
    ['an oversize body', () => json({ issuer: origin, pad: 'x'.repeat(8192) })],
    ['a closed socket', () => ({ destroy: true })],
    ['no answer', () => ({ hang: true })],
  ])('fails with MetadataError when both URLs answer with %s', async (_, handler) => {
    routes.set(RFC8414, handler())
    routes.set(OIDC, handler())
    const started = performance.now()
    const error = await discoverMetadata(origin, options({ timeout: 100 })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MetadataError)
    expect((error as MetadataError).attempts).toHaveLength(2)
    expect(performance.now() - started).toBeLessThan(1000)
  })
})

describe('createMetadataCache', () => {
  it('fetches once for many concurrent and later callers', async () => {
    routes.set(RFC8414, json({ issuer: origin, jwks_uri: `${origin}/jwks` }))
    const cache = createMetadataCache(origin, options())
    await Promise.all(Array.from({ length: 10 }, () => cache.get()))
    clock += 24 * 3600_000
    await cache.get()
    expect(hits()).toEqual([RFC8414])
  })

  it('remembers a failure for the cooldown, then tries again', async () => {
    const cache = createMetadataCache(origin, options({ cooldownMs: 30_000 }))
    const failure = await cache.get().catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(MetadataError)
    expect(hits()).toHaveLength(2)

    routes.set(RFC8414, json({ issuer: origin, jwks_uri: `${origin}/jwks` }))
    clock += 29_999
    await expect(cache.get()).rejects.toBe(failure)
    expect(hits()).toHaveLength(2)

    clock += 1
    await expect(cache.get()).resolves.toMatchObject({ issuer: origin })
    expect(hits()).toHaveLength(3)
  })

  it('gives the jwks_uri, or a MetadataError when the metadata has none', async () => {
    routes.set(RFC8414, json({ issuer: origin, jwks_uri: `${origin}/jwks` }))
    await expect(createMetadataCache(origin, options()).jwksUri()).resolves.toBe(`${origin}/jwks`)
    routes.set(RFC8414, json({ issuer: origin }))
    await expect(createMetadataCache(origin, options()).jwksUri()).rejects.toBeInstanceOf(MetadataError)
  })

  it('feeds a remote key set through discovery', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true })
    routes.set(RFC8414, json({ issuer: origin, jwks_uri: `${origin}/jwks` }))
    routes.set('/jwks', json({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }))
    const metadata = createMetadataCache(origin, options())
    const keys = createRemoteKeySet({
      jwksUri: metadata.jwksUri,
      algorithms: ['ES256'],
      keySet: resolveKeySet(undefined),
      dispatcher: agent,
    })
    await expect(keys.getKey({ alg: 'ES256', kid: 'k1' })).resolves.toBeDefined()
    expect(hits()).toEqual([RFC8414, '/jwks'])
  })
})
