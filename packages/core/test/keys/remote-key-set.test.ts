import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose'
import { Agent } from 'undici'
import { InvalidTokenError, UnavailableError } from '../../src/errors.js'
import type { TokenEvent } from '../../src/events.js'
import { createRemoteKeySet, type RemoteKeySetOptions } from '../../src/keys/remote-key-set.js'
import { resolveKeySet } from '../../src/options/jwt.js'
import { startScriptedServer, type Script, type ScriptedServer } from '../helpers/scripted-server.js'

type Behaviour =
  | { kind: 'json'; body: unknown }
  | { kind: 'status'; status: number }
  | { kind: 'html' }
  | { kind: 'close' }
  | { kind: 'hang' }
  | { kind: 'big'; bytes: number; chunked: boolean }

/** A real JWKS endpoint on 127.0.0.1 (the shared scripted server) whose behaviour each test sets. */
const endpoint = {
  server: undefined as unknown as ScriptedServer,
  url: '',
  hits: 0,
  behaviour: { kind: 'json', body: { keys: [] } } as Behaviour,
}

function script(b: Behaviour): Script {
  switch (b.kind) {
    case 'json':
      return { body: b.body }
    case 'status':
      return { status: b.status, body: '{"keys":[]}' }
    case 'html':
      return { headers: { 'content-type': 'text/html' }, body: '<html><body>Bad gateway</body></html>' }
    case 'close':
      return { destroy: true }
    case 'hang':
      return { hang: true }
    case 'big': {
      const body = `{"keys":[],"padding":"${'x'.repeat(b.bytes)}"}`
      if (!b.chunked) return { body } // with its Content-Length
      return {
        chunks: Array.from({ length: Math.ceil(body.length / 512) }, (_, i) =>
          body.slice(i * 512, (i + 1) * 512),
        ),
      }
    }
  }
}

beforeAll(async () => {
  endpoint.server = await startScriptedServer(() => {
    endpoint.hits += 1
    return script(endpoint.behaviour)
  })
  endpoint.url = `${endpoint.server.url}/jwks`
})

afterAll(() => endpoint.server.close())

async function keyPair(alg: 'RS256' | 'ES256' | 'EdDSA', kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg } as JWK }
}

let first: Awaited<ReturnType<typeof keyPair>>
let second: Awaited<ReturnType<typeof keyPair>>
let ed: Awaited<ReturnType<typeof keyPair>>
beforeAll(async () => {
  ;[first, second, ed] = await Promise.all([
    keyPair('ES256', 'k1'),
    keyPair('RS256', 'k2'),
    keyPair('EdDSA', 'k3'),
  ])
})

const algorithms = ['RS256', 'ES256', 'EdDSA']
const SECOND = 1000
let agent: Agent
let clock: number
let events: TokenEvent[]

beforeEach(() => {
  agent = new Agent()
  clock = 1_000_000
  events = []
  endpoint.hits = 0
  endpoint.behaviour = { kind: 'json', body: { keys: [first.jwk] } }
})

afterEach(async () => {
  await agent.destroy()
})

/** Key set tuning as resolved (ms), each defaulting to what `jwt.keySet` resolves to. */
interface Tuning {
  cacheMaxAge?: number
  cooldown?: number
  staleIfError?: number
  timeout?: number
  maxResponseBytes?: number
  maxKeys?: number
}

function remote(options: Partial<RemoteKeySetOptions> & Tuning = {}) {
  const { cacheMaxAge, cooldown, staleIfError, timeout, maxResponseBytes, maxKeys, ...rest } = options
  const defaults = resolveKeySet(undefined)
  return createRemoteKeySet({
    jwksUri: endpoint.url,
    algorithms,
    dispatcher: agent,
    now: () => clock,
    onEvent: (event) => events.push(event),
    keySet: {
      cacheMaxAgeMs: cacheMaxAge ?? defaults.cacheMaxAgeMs,
      cooldownMs: cooldown ?? defaults.cooldownMs,
      staleIfErrorMs: staleIfError ?? defaults.staleIfErrorMs,
      timeoutMs: timeout ?? defaults.timeoutMs,
      maxResponseBytes: maxResponseBytes ?? defaults.maxResponseBytes,
      maxKeys: maxKeys ?? defaults.maxKeys,
    },
    ...rest,
  })
}

const fetches = () =>
  events.filter((e): e is Extract<TokenEvent, { type: 'keys_fetch' }> => e.type === 'keys_fetch')
const randomKid = () => `random-${Math.random().toString(36).slice(2)}`

describe('createRemoteKeySet: loading', () => {
  it('loads on ready(), serves keys that verify, and reports the fetch', async () => {
    endpoint.behaviour = { kind: 'json', body: { keys: [first.jwk, second.jwk, ed.jwk] } }
    const keys = remote()
    await keys.ready()
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', kid: 'k3' }).sign(ed.privateKey)
    await expect(jwtVerify(token, (header) => keys.getKey(header), { algorithms })).resolves.toBeDefined()
    expect(endpoint.hits).toBe(1)
    expect(fetches()).toEqual([
      { type: 'keys_fetch', url: endpoint.url, outcome: 'ok', durationMs: expect.any(Number), keys: 3 },
    ])
  })

  it('shares one fetch among 20 concurrent callers on a cold set', async () => {
    const keys = remote()
    const results = await Promise.all(
      Array.from({ length: 20 }, () => keys.getKey({ alg: 'ES256', kid: 'k1' })),
    )
    expect(results).toHaveLength(20)
    expect(endpoint.hits).toBe(1)
  })

  it('finds the URL lazily through a function, once per fetch', async () => {
    const jwksUri = jest.fn(async () => endpoint.url)
    const keys = remote({ jwksUri })
    expect(jwksUri).not.toHaveBeenCalled()
    await keys.getKey({ alg: 'ES256', kid: 'k1' })
    expect(jwksUri).toHaveBeenCalledTimes(1)
  })

  it('treats a failing URL lookup (discovery) as an unavailable key set', async () => {
    const keys = remote({ jwksUri: async () => Promise.reject(new Error('no metadata')) })
    await expect(keys.ready()).rejects.toBeInstanceOf(UnavailableError)
    expect(fetches()[0]).toMatchObject({ outcome: 'error', error: 'no metadata', staleServed: false })
  })

  it('accepts an empty key set: tokens then fail with unknown_key (401), not 503', async () => {
    endpoint.behaviour = { kind: 'json', body: { keys: [] } }
    const keys = remote()
    await expect(keys.ready()).resolves.toBeUndefined()
    const error = await keys.getKey({ alg: 'ES256', kid: 'k1' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect(error).toMatchObject({ reason: 'unknown_key', status: 401 })
  })

  it('skips private, symmetric, encryption and malformed members but keeps the good ones', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const privateJwk = { ...(await exportJWK(privateKey)), kid: 'private', alg: 'ES256' }
    const body = {
      keys: [
        privateJwk,
        { kty: 'oct', k: 'c2VjcmV0', kid: 'secret', alg: 'HS256' },
        { ...second.jwk, use: 'enc', kid: 'enc' },
        { kty: 'RSA', kid: 'broken', alg: 'RS256' },
        'not a key',
        first.jwk,
      ],
    }
    endpoint.behaviour = { kind: 'json', body }
    const keys = remote()
    await expect(keys.getKey({ alg: 'ES256', kid: 'k1' })).resolves.toBeDefined()
    await expect(keys.getKey({ alg: 'ES256', kid: 'private' })).rejects.toMatchObject({
      reason: 'unknown_key',
    })
    await expect(keys.getKey({ alg: 'RS256', kid: 'enc' })).rejects.toMatchObject({ reason: 'unknown_key' })
    expect(fetches()[0]).toMatchObject({ outcome: 'ok', keys: 1 })
  })

  it('refuses a header algorithm outside the allowlist without fetching', async () => {
    const keys = remote({ algorithms: ['ES256'] })
    await expect(keys.getKey({ alg: 'RS256', kid: 'k2' })).rejects.toMatchObject({
      reason: 'algorithm_not_allowed',
    })
    expect(endpoint.hits).toBe(0)
  })

  it('keeps working when the event listener throws', async () => {
    const keys = remote({
      onEvent: () => {
        throw new Error('metrics bug')
      },
    })
    await expect(keys.getKey({ alg: 'ES256', kid: 'k1' })).resolves.toBeDefined()
  })
  // Bad tuning, URLs and algorithms are refused where they enter: test/options-key-sets.test.ts.
})

describe('createRemoteKeySet: rotation and cooldown', () => {
  const cooldown = 30 * SECOND

  it('picks up a new kid on the first getKey that asks for it, and fires onChange', async () => {
    const keys = remote({ cooldown })
    const changed = jest.fn()
    keys.onChange(changed)
    await keys.ready()
    clock += cooldown // the issuer rotates some time after our last fetch
    endpoint.behaviour = { kind: 'json', body: { keys: [first.jwk, second.jwk] } }
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k2' })
      .sign(second.privateKey)
    await expect(jwtVerify(token, (header) => keys.getKey(header), { algorithms })).resolves.toBeDefined()
    expect(endpoint.hits).toBe(2)
    expect(changed).toHaveBeenCalledTimes(1)
  })

  it('does not fire onChange when a refetch returns the same keys', async () => {
    const keys = remote({ cooldown, cacheMaxAge: 60 * SECOND })
    const changed = jest.fn()
    keys.onChange(changed)
    await keys.ready()
    clock += 60 * SECOND
    await keys.getKey({ alg: 'ES256', kid: 'k1' })
    expect(endpoint.hits).toBe(2)
    expect(changed).not.toHaveBeenCalled()
  })

  it('lets 100 random kids cause exactly one fetch per cooldown', async () => {
    const keys = remote({ cooldown })
    await keys.ready()
    clock += cooldown
    const flood = () =>
      Promise.allSettled(Array.from({ length: 100 }, () => keys.getKey({ alg: 'ES256', kid: randomKid() })))

    const results = await flood()
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof InvalidTokenError)).toBe(true)
    expect(endpoint.hits).toBe(2)

    clock += cooldown - 1
    await flood()
    expect(endpoint.hits).toBe(2)

    clock += 1
    await flood()
    expect(endpoint.hits).toBe(3)
  })

  it('refuses an unknown kid within the cooldown of the initial load without fetching', async () => {
    const keys = remote({ cooldown })
    await keys.ready()
    await expect(keys.getKey({ alg: 'ES256', kid: 'k9' })).rejects.toMatchObject({ reason: 'unknown_key' })
    expect(endpoint.hits).toBe(1)
  })

  it('refetches an expired set once, even for many concurrent callers', async () => {
    const keys = remote({ cacheMaxAge: 60 * SECOND })
    await keys.ready()
    clock += 59 * SECOND
    await keys.getKey({ alg: 'ES256', kid: 'k1' })
    expect(endpoint.hits).toBe(1)
    clock += SECOND
    endpoint.behaviour = { kind: 'json', body: { keys: [second.jwk] } }
    await Promise.all(Array.from({ length: 10 }, () => keys.getKey({ alg: 'RS256', kid: 'k2' })))
    expect(endpoint.hits).toBe(2)
    await expect(keys.getKey({ alg: 'ES256', kid: 'k1' })).rejects.toMatchObject({ reason: 'unknown_key' })
  })

  it('hands over a known key without waiting only while the set is fresh (knownKey)', async () => {
    const keys = remote({ cacheMaxAge: 60 * SECOND })
    expect(keys.knownKey?.({ alg: 'ES256', kid: 'k1' })).toBeUndefined()
    await keys.ready()
    expect(keys.knownKey?.({ alg: 'ES256', kid: 'k1' })).toBeUndefined()
    const key = await keys.getKey({ alg: 'ES256', kid: 'k1' })
    expect(keys.knownKey?.({ alg: 'ES256', kid: 'k1' })).toBe(key)
    expect(keys.knownKey?.({ alg: 'PS256', kid: 'k1' })).toBeUndefined()
    clock += 60 * SECOND
    // An expired set goes through getKey, which refetches; the new set starts with nothing known.
    expect(keys.knownKey?.({ alg: 'ES256', kid: 'k1' })).toBeUndefined()
    endpoint.behaviour = { kind: 'json', body: { keys: [second.jwk] } }
    await keys.getKey({ alg: 'RS256', kid: 'k2' })
    expect(endpoint.hits).toBe(2)
    expect(keys.knownKey?.({ alg: 'ES256', kid: 'k1' })).toBeUndefined()
  })

  it('stops calling listeners after close()', async () => {
    const keys = remote({ cooldown })
    const changed = jest.fn()
    keys.onChange(changed)
    await keys.ready()
    keys.close()
    clock += cooldown
    endpoint.behaviour = { kind: 'json', body: { keys: [second.jwk] } }
    await keys.getKey({ alg: 'RS256', kid: 'k2' })
    expect(changed).not.toHaveBeenCalled()
  })
})

describe('createRemoteKeySet: failures', () => {
  const cacheMaxAge = 60 * SECOND
  const cooldown = 10 * SECOND
  const staleIfError = 30 * SECOND

  it.each<[string, Behaviour]>([
    ['a 500', { kind: 'status', status: 500 }],
    ['an HTML page', { kind: 'html' }],
    ['a closed socket', { kind: 'close' }],
    ['a server that hangs', { kind: 'hang' }],
    ['a 404', { kind: 'status', status: 404 }],
    ['a redirect', { kind: 'status', status: 302 }],
    ['JSON without keys', { kind: 'json', body: { error: 'nope' } }],
    ['a JSON array', { kind: 'json', body: [{ kty: 'EC' }] }],
  ])('serves stale keys within the window after %s, then fails with 503', async (_, failure) => {
    const keys = remote({ cacheMaxAge, cooldown, staleIfError, timeout: 100 })
    await keys.ready()
    endpoint.behaviour = failure
    const kid = { alg: 'ES256', kid: 'k1' }

    clock += cacheMaxAge // expired: one attempt, which fails; the stale set is served
    await expect(keys.getKey(kid)).resolves.toBeDefined()
    expect(endpoint.hits).toBe(2)
    expect(fetches()[1]).toMatchObject({ outcome: 'error', staleServed: true, error: expect.any(String) })

    clock += cooldown - 1 // within the cooldown: no new attempt
    await expect(keys.getKey(kid)).resolves.toBeDefined()
    expect(endpoint.hits).toBe(2)

    clock += 1 // one more attempt per cooldown
    await expect(keys.getKey(kid)).resolves.toBeDefined()
    expect(endpoint.hits).toBe(3)

    clock = 1_000_000 + cacheMaxAge + staleIfError // the window is over
    const error = await keys.getKey(kid).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnavailableError)
    expect(error).toMatchObject({ reason: 'keys_unavailable', status: 503, retryAfter: 10 })
    expect(endpoint.hits).toBe(4)

    clock += 2 * SECOND // fails fast until the next attempt is allowed, and says when that is
    await expect(keys.getKey(kid)).rejects.toMatchObject({ retryAfter: 8 })
    expect(endpoint.hits).toBe(4)

    endpoint.behaviour = { kind: 'json', body: { keys: [first.jwk] } }
    clock += 8 * SECOND // the endpoint is back: the next attempt recovers
    await expect(keys.getKey(kid)).resolves.toBeDefined()
    expect(endpoint.hits).toBe(5)
  })

  it('fails a cold set with 503 and Retry-After, without retrying inside the cooldown', async () => {
    endpoint.behaviour = { kind: 'status', status: 503 }
    const keys = remote({ cooldown: 30 * SECOND })
    const error = await keys.ready().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnavailableError)
    expect(error).toMatchObject({ reason: 'keys_unavailable', retryAfter: 30 })
    clock += 10 * SECOND
    await expect(keys.getKey({ alg: 'ES256', kid: 'k1' })).rejects.toMatchObject({ retryAfter: 20 })
    expect(endpoint.hits).toBe(1)
    expect(fetches()[0]).toMatchObject({
      outcome: 'error',
      staleServed: false,
      error: 'unexpected status 503',
    })
  })

  it('answers 503 (not 401) for an unknown kid while the endpoint is failing', async () => {
    const keys = remote({ cooldown })
    await keys.ready()
    endpoint.behaviour = { kind: 'status', status: 500 }
    clock += cooldown
    await expect(keys.getKey({ alg: 'RS256', kid: 'k2' })).rejects.toBeInstanceOf(UnavailableError)
    await expect(keys.getKey({ alg: 'RS256', kid: 'k2' })).rejects.toBeInstanceOf(UnavailableError)
    expect(endpoint.hits).toBe(2)
    await expect(keys.getKey({ alg: 'ES256', kid: 'k1' })).resolves.toBeDefined()
  })

  it('gives up on a server that never answers within the timeout', async () => {
    endpoint.behaviour = { kind: 'hang' }
    const keys = remote({ timeout: 200 })
    const started = performance.now()
    await expect(keys.ready()).rejects.toBeInstanceOf(UnavailableError)
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(150)
    expect(elapsed).toBeLessThan(1500)
    expect(fetches()[0]?.error).toMatch(/within 200 ms/)
  })

  it.each([
    ['with content-length', false],
    ['chunked, without content-length', true],
  ])('refuses an oversize response %s', async (_, chunked) => {
    endpoint.behaviour = { kind: 'big', bytes: 4096, chunked }
    const keys = remote({ maxResponseBytes: 1024 })
    await expect(keys.ready()).rejects.toBeInstanceOf(UnavailableError)
    expect(fetches()[0]?.error).toMatch(/larger than 1024 bytes/)
  })

  it('accepts maxKeys keys and refuses a response with more', async () => {
    endpoint.behaviour = { kind: 'json', body: { keys: [first.jwk, second.jwk] } }
    await expect(remote({ maxKeys: 2 }).ready()).resolves.toBeUndefined()
    endpoint.behaviour = { kind: 'json', body: { keys: [first.jwk, second.jwk, ed.jwk] } }
    await expect(remote({ maxKeys: 2 }).ready()).rejects.toBeInstanceOf(UnavailableError)
    expect(fetches()[1]?.error).toMatch(/more than 2 keys/)
  })
})
