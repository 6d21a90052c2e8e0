import { Agent } from 'undici'
import { InvalidTokenError, UnavailableError } from '../../src/errors.js'
import type { TokenEvent } from '../../src/events.js'
import { createIntrospectionClient, type IntrospectionClientOptions } from '../../src/introspection/client.js'
import {
  refusedPort,
  startScriptedServer,
  type Script,
  type ScriptedServer,
} from '../helpers/scripted-server.js'

/** A real introspection endpoint on 127.0.0.1 that records requests and answers as told. */
let server: ScriptedServer
let endpoint: string
let answer: Script
const agent = new Agent()

/** What the server received: the headers and the form body of each request. */
const received = () =>
  server.requests.map((request) => ({ headers: request.headers, body: new URLSearchParams(request.body) }))

beforeAll(async () => {
  server = await startScriptedServer(() => answer)
  endpoint = `${server.url}/introspect`
})

afterAll(async () => {
  await agent.close()
  await server.close()
})

beforeEach(() => {
  server.requests.length = 0
  events = []
  answer = reply(200, 'application/json', JSON.stringify({ active: true, sub: 'alice' }))
})

let events: TokenEvent[]

function reply(status: number, type: string, body: string): Script {
  return { status, headers: { 'content-type': type }, body }
}

function client(overrides: Partial<IntrospectionClientOptions> = {}) {
  return createIntrospectionClient({
    endpoint,
    clientId: 'api',
    clientSecret: 'secret',
    clientAuth: 'client_secret_basic',
    timeout: 2000,
    maxResponseBytes: 4096,
    dispatcher: agent,
    onEvent: (event) => events.push(event),
    ...overrides,
  })
}

/** RFC 6749 Appendix B decoding, as a server does it. */
const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '))

describe('client authentication', () => {
  const clientId = 'client:one'
  const clientSecret = 'sécret wörd+/=~'

  it('client_secret_basic: id and secret are form-urlencoded, then base64 (RFC 6749 §2.3.1)', async () => {
    await client({ clientId, clientSecret }).introspect('tok-1')
    const [request] = received()
    const expected = Buffer.from('client%3Aone:s%C3%A9cret+w%C3%B6rd%2B%2F%3D%7E').toString('base64')
    expect(request?.headers.authorization).toBe(`Basic ${expected}`)
    const decoded = Buffer.from(expected, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    expect([formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))]).toEqual([
      clientId,
      clientSecret,
    ])
    expect(request?.body.has('client_id')).toBe(false)
    expect(request?.body.has('client_secret')).toBe(false)
  })

  it('client_secret_post: credentials in the body, no Authorization header', async () => {
    await client({ clientId, clientSecret, clientAuth: 'client_secret_post' }).introspect('tok-1')
    const [request] = received()
    expect(request?.headers.authorization).toBeUndefined()
    expect(request?.body.get('client_id')).toBe(clientId)
    expect(request?.body.get('client_secret')).toBe(clientSecret)
  })

  it.each([
    ['client_secret_basic', 'opaque token/with+odd=chars&é'],
    ['client_secret_post', 'opaque token/with+odd=chars&é'],
    ['client_secret_basic', 'op_AZaz09-._*'],
    ['client_secret_post', 'op_AZaz09-._*'],
    ['client_secret_post', 'op_~%2B'],
  ] as const)(
    '%s: a form POST with the token %j, an access_token hint, and Accept: application/json (RFC 7662 §2.1)',
    async (clientAuth, token) => {
      await expect(client({ clientAuth }).introspect(token)).resolves.toEqual({ active: true, sub: 'alice' })
      const [request] = received()
      expect(received()).toHaveLength(1)
      expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded')
      expect(request?.headers.accept).toBe('application/json')
      expect(request?.body.get('token')).toBe(token)
      expect(request?.body.get('token_type_hint')).toBe('access_token')
    },
  )
})

describe('answers', () => {
  it.each([
    ['active', { active: true, scope: 'a b' }, 'active'],
    ['inactive', { active: false }, 'inactive'],
    ['"true" as a string (the strategy rejects it)', { active: 'true' }, 'inactive'],
  ])('%s: returns the object unchanged and reports one uncoalesced event', async (_, body, outcome) => {
    answer = reply(200, 'application/json; charset=utf-8', JSON.stringify(body))
    await expect(client().introspect('tok')).resolves.toEqual(body)
    expect(events).toEqual([
      { type: 'introspection', outcome, durationMs: expect.any(Number), coalesced: false },
    ])
  })

  it('resolves a lazy endpoint (issuer metadata) when it is needed', async () => {
    const resolveEndpoint = jest.fn(async () => endpoint)
    const lazy = client({ endpoint: resolveEndpoint })
    expect(resolveEndpoint).not.toHaveBeenCalled()
    await expect(lazy.introspect('tok')).resolves.toMatchObject({ active: true })
    expect(resolveEndpoint).toHaveBeenCalledTimes(1)
  })
})

describe('outages are 503 with Retry-After, never 401 and never an accept', () => {
  const hang: Script = { hang: true } // never answers; close() ends it
  const huge = JSON.stringify({ active: true, padding: 'x'.repeat(10_000) })

  it.each<
    [
      string,
      Partial<IntrospectionClientOptions> | (() => Partial<IntrospectionClientOptions>),
      Script,
      string,
    ]
  >([
    ['timeout', { timeout: 200 }, hang, 'timeout'],
    [
      // The deadline runs from connection to last byte: quick headers do not buy a slow body time.
      'body trickling past the deadline',
      { timeout: 300 },
      { chunks: ['{"active":', 'true}'], chunkDelayMs: 1000 },
      'timeout',
    ],
    [
      'declared body trickling past the deadline',
      { timeout: 300 },
      { headers: { 'content-length': '15' }, chunks: ['{"active":', 'true}'], chunkDelayMs: 1000 },
      'timeout',
    ],
    ['refused connection', () => ({ endpoint: refusedEndpoint }), hang, 'network error'],
    ['500', {}, reply(500, 'application/json', '{"error":"server_error"}'), 'unexpected status 500'],
    ['503', {}, reply(503, 'text/plain', 'down'), 'unexpected status 503'],
    [
      '400 invalid_request',
      {},
      reply(400, 'application/json', '{"error":"invalid_request"}'),
      'unexpected status 400',
    ],
    [
      '401 (our credentials refused, RFC 7662 §2.3)',
      {},
      reply(401, 'application/json', '{"error":"invalid_client"}'),
      'client authentication failed',
    ],
    [
      'HTML with 200',
      {},
      reply(200, 'text/html', '<html><body>Sign in</body></html>'),
      'response is not a JSON object',
    ],
    ['malformed JSON', {}, reply(200, 'application/json', '{"active":tru'), 'response is not a JSON object'],
    ['JSON array', {}, reply(200, 'application/json', '[{"active":true}]'), 'response is not a JSON object'],
    ['JSON null', {}, reply(200, 'application/json', 'null'), 'response is not a JSON object'],
    ['JSON string', {}, reply(200, 'application/json', '"active"'), 'response is not a JSON object'],
    [
      'huge body (declared Content-Length)',
      {},
      reply(200, 'application/json', huge), // the server declares its Content-Length
      'response too large',
    ],
    [
      'huge body (chunked)',
      {},
      { chunks: Array.from({ length: 11 }, (_, i) => huge.slice(i * 1000, (i + 1) * 1000)) },
      'response too large',
    ],
    [
      'endpoint discovery fails',
      { endpoint: () => Promise.reject(new Error('metadata down')) },
      hang,
      'endpoint discovery failed',
    ],
  ])('%s', async (_, overrides, serverAnswer, error) => {
    answer = serverAnswer
    const options = typeof overrides === 'function' ? overrides() : overrides
    const failure = await client(options)
      .introspect('tok')
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      )
    expect(failure).toBeInstanceOf(UnavailableError)
    expect(failure).not.toBeInstanceOf(InvalidTokenError)
    // Our own credentials refused is a misconfiguration with a reason of its own (it names the fix).
    const reason =
      error === 'client authentication failed' ? 'introspection_unauthorized' : 'introspection_unavailable'
    expect(failure).toMatchObject({ status: 503, reason, retryAfter: 5 })
    expect((failure as UnavailableError).headers).toEqual({ 'Retry-After': '5' })
    expect(events).toEqual([
      { type: 'introspection', outcome: 'error', durationMs: expect.any(Number), coalesced: false, error },
    ])
  })

  let refusedEndpoint: string
  beforeAll(async () => {
    // A port that was free a moment ago and now has no listener: connection refused.
    refusedEndpoint = `http://127.0.0.1:${await refusedPort()}/introspect`
  })
})
