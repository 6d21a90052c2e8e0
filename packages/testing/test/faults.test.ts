import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { createTestIssuer, TEST_ENDPOINTS, type TestIssuer } from '../src/index'

let issuer: TestIssuer

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] })
})
afterEach(() => issuer.clearFaults())
afterAll(() => issuer.close())

const basic = `Basic ${Buffer.from('api:api-secret').toString('base64')}`

function introspect(token: string, target: TestIssuer = issuer): Promise<Response> {
  return fetch(target.introspectionEndpoint, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  })
}

describe('setFault', () => {
  it('answers the chosen status, JSON body and headers, and counts the request', async () => {
    const before = issuer.stats.jwksFetches
    issuer.setFault('jwks', { status: 503, body: { error: 'down' }, headers: { 'retry-after': '7' } })
    const response = await fetch(issuer.jwksUri)
    expect(response.status).toBe(503)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(response.headers.get('retry-after')).toBe('7')
    expect(await response.json()).toEqual({ error: 'down' })
    expect(issuer.stats.jwksFetches).toBe(before + 1)
  })

  it('sends a string body as is, text/plain unless the headers say otherwise', async () => {
    issuer.setFault('metadata', { status: 200, body: '{"issuer":' })
    const broken = await fetch(issuer.metadataUrl)
    expect([broken.status, broken.headers.get('content-type'), await broken.text()]).toEqual([
      200,
      'text/plain',
      '{"issuer":',
    ])
    issuer.setFault('metadata', { status: 200, body: '<html>', headers: { 'content-type': 'text/html' } })
    expect((await fetch(issuer.metadataUrl)).headers.get('content-type')).toBe('text/html')
    issuer.setFault('metadata', { status: 500 })
    const empty = await fetch(issuer.metadataUrl)
    expect([empty.status, await empty.text()]).toEqual([500, ''])
  })

  it('applies to its endpoint only, and undefined clears it', async () => {
    issuer.setFault('introspection', { status: 500 })
    expect((await fetch(issuer.jwksUri)).status).toBe(200)
    expect((await introspect(issuer.opaque())).status).toBe(500)
    issuer.setFault('introspection', undefined)
    const response = await introspect(issuer.opaque())
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ active: true })
  })

  it('lasts `times` requests, then the endpoint answers normally', async () => {
    issuer.setFault('revocation', { status: 502, times: 2 })
    const revoke = () =>
      fetch(issuer.revocationEndpoint, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: 'x' }),
      })
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await revoke()).status)
    expect(statuses).toEqual([502, 502, 200])
  })

  it('delayMs alone delays the normal answer', async () => {
    issuer.setFault('jwks', { delayMs: 150 })
    const started = Date.now()
    const response = await fetch(issuer.jwksUri)
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { keys: unknown[] }).keys).toHaveLength(1)
  })

  it('delayMs with a status delays the faulty answer; a client that gives up gets nothing', async () => {
    issuer.setFault('jwks', { delayMs: 300, status: 500 })
    await expect(fetch(issuer.jwksUri, { signal: AbortSignal.timeout(50) })).rejects.toThrow()
    const started = Date.now()
    expect((await fetch(issuer.jwksUri)).status).toBe(500)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
  })

  it('close() ends pending delays at once', async () => {
    const slow = await createTestIssuer({ algorithms: ['ES256'] })
    slow.setFault('jwks', { delayMs: 60_000 })
    const pending = fetch(slow.jwksUri).then(
      () => 'answered',
      () => 'closed',
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    const started = Date.now()
    await slow.close()
    expect(await pending).toBe('closed')
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('checks the endpoint and the fault', () => {
    expect(TEST_ENDPOINTS).toEqual(['metadata', 'jwks', 'introspection', 'revocation'])
    expect(() => issuer.setFault('token' as 'jwks', { status: 500 })).toThrow(/unknown endpoint "token"/)
    expect(() => issuer.setFault('jwks', null as unknown as { status: number })).toThrow(TypeError)
    expect(() => issuer.setFault('jwks', { status: 99 })).toThrow(/`status`/)
    expect(() => issuer.setFault('jwks', { status: 200.5 })).toThrow(/`status`/)
    expect(() => issuer.setFault('jwks', { delayMs: -1 })).toThrow(/`delayMs`/)
    expect(() => issuer.setFault('jwks', { delayMs: Number.NaN })).toThrow(/`delayMs`/)
    expect(() => issuer.setFault('jwks', { times: 0 })).toThrow(/`times`/)
    expect(() => issuer.setFault('jwks', { times: 1.5 })).toThrow(/`times`/)
  })
})

describe('introspectionsOf', () => {
  it('counts introspection requests per token, faulted and refused ones too, until resetStats()', async () => {
    const counted = await createTestIssuer({ algorithms: ['ES256'] })
    try {
      const token = counted.opaque()
      const other = counted.opaque()
      expect(counted.introspectionsOf(token)).toBe(0)
      await introspect(token, counted)
      counted.setFault('introspection', { status: 500, times: 1 })
      await introspect(token, counted)
      await fetch(counted.introspectionEndpoint, {
        method: 'POST',
        headers: { authorization: 'Basic bad', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }),
      })
      await introspect(other, counted)
      expect([counted.introspectionsOf(token), counted.introspectionsOf(other)]).toEqual([3, 1])
      expect(counted.stats.introspections).toBe(4)
      counted.resetStats()
      expect(counted.introspectionsOf(token)).toBe(0)
    } finally {
      await counted.close()
    }
  })
})

describe('rotateKeys({ keepOld: n })', () => {
  it('keeps that many previous generations in the JWKS', async () => {
    const rotating = await createTestIssuer({ algorithms: ['ES256'] })
    try {
      const first = rotating.signingKids.ES256!
      const [second] = await rotating.rotateKeys()
      const [third] = await rotating.rotateKeys({ keepOld: 1 })
      expect(rotating.publicJwks().keys.map((key) => key.kid)).toEqual([third, second])
      const [fourth] = await rotating.rotateKeys({ keepOld: 0 })
      expect(rotating.publicJwks().keys.map((key) => key.kid)).toEqual([fourth])

      const retired = await rotating.jwt({ kid: first })
      expect(decodeProtectedHeader(retired).kid).toBe(first)
      await expect(jwtVerify(retired, createRemoteJWKSet(new URL(rotating.jwksUri)))).rejects.toMatchObject({
        code: 'ERR_JWKS_NO_MATCHING_KEY',
      })
      await expect(rotating.rotateKeys({ keepOld: -1 })).rejects.toThrow(/`keepOld`/)
      await expect(rotating.rotateKeys({ keepOld: 1.5 })).rejects.toThrow(/`keepOld`/)
    } finally {
      await rotating.close()
    }
  })
})
