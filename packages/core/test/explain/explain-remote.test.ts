import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createValidator, type TokenEvent, type Validator } from '../../src/index'
import { TokenError } from '../../src/errors'
import { AUDIENCE, NOW, accessToken, signingKey, type SigningKey } from '../helpers/tokens'

// A loopback authorization server over real HTTP: metadata, JWKS and RFC 7662 introspection.
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void
let server: Server
let base: string
let routes: Record<string, Handler> = {}
let rsa: SigningKey
let hits: string[] = []
let events: TokenEvent[] = []

const json =
  (status: number, value: unknown): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(value))
  }

beforeAll(async () => {
  rsa = await signingKey('RS256')
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      hits.push(req.url!)
      const handler = routes[req.url!.split('?')[0]!]
      if (handler === undefined) json(404, { error: 'not_found' })(req, res, body)
      else handler(req, res, body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
beforeEach(() => {
  hits = []
  events = []
  routes = {
    '/.well-known/oauth-authorization-server': json(200, {
      issuer: base,
      jwks_uri: `${base}/jwks`,
      introspection_endpoint: `${base}/introspect`,
    }),
    '/jwks': json(200, { keys: [rsa.publicJwk] }),
  }
})

const opened: Validator[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((tokens) => tokens.close()))
})

function jwtValidator(): Validator {
  const tokens = createValidator({
    issuer: base,
    audience: AUDIENCE,
    now: () => NOW * 1000,
    onEvent: (event) => events.push(event),
    jwt: { algorithms: ['RS256'], keySet: { timeout: 500 } },
  })
  opened.push(tokens)
  return tokens
}

function opaqueValidator(): Validator {
  const tokens = createValidator({
    issuer: base,
    audience: AUDIENCE,
    now: () => NOW * 1000,
    onEvent: (event) => events.push(event),
    introspection: { endpoint: `${base}/introspect`, clientId: 'api', clientSecret: 'right' },
  })
  opened.push(tokens)
  return tokens
}

const reasonOf = (tokens: Validator, token: string) =>
  tokens.verify(token).then(
    () => undefined,
    (error: unknown) => (error instanceof TokenError ? error.reason : String(error)),
  )

describe('keys found through discovery', () => {
  it('reports the metadata and key set it fetched', async () => {
    const report = await jwtValidator().explain(await accessToken(rsa, { iss: base }))
    expect(report.ok).toBe(true)
    expect(report.checks.find((item) => item.check === 'metadata')).toMatchObject({
      ok: true,
      detail: expect.stringContaining(`${base}/jwks`),
    })
    expect(hits).toEqual(['/.well-known/oauth-authorization-server', '/jwks'])
  })

  it('metadata that cannot be found: 503 keys_unavailable, naming jwt.jwksUri', async () => {
    delete routes['/.well-known/oauth-authorization-server']
    const tokens = jwtValidator()
    const token = await accessToken(rsa, { iss: base })
    const report = await tokens.explain(token)
    expect(report).toMatchObject({ ok: false, reason: 'keys_unavailable', status: 503 })
    expect(report.checks.find((item) => item.check === 'metadata')).toMatchObject({
      ok: false,
      fix: expect.stringContaining('jwt.jwksUri'),
    })
    expect(await reasonOf(tokens, token)).toBe('keys_unavailable')
  })

  it('a key set that answers 500: 503 keys_unavailable, saying what failed', async () => {
    routes['/jwks'] = json(500, { error: 'down' })
    const tokens = jwtValidator()
    const token = await accessToken(rsa, { iss: base })
    const report = await tokens.explain(token)
    expect(report).toMatchObject({ ok: false, reason: 'keys_unavailable', status: 503 })
    expect(report.checks.find((item) => item.check === 'keys')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/could not be loaded/),
    })
    expect(await reasonOf(tokens, token)).toBe('keys_unavailable')
  })
})

describe('opaque tokens: introspection', () => {
  const answer = (value: Record<string, unknown>) => json(200, value)
  const active = {
    active: true,
    iss: 'placeholder',
    aud: AUDIENCE,
    exp: NOW + 300,
    client_id: 'app',
    sub: 'alice',
  }

  type Case = [name: string, handler: () => Handler, check: string, reason: string, fix: RegExp]
  const CASES: Case[] = [
    ['an inactive token', () => answer({ active: false }), 'active', 'inactive', /fresh token/],
    [
      'our credentials refused (401)',
      () => json(401, { error: 'invalid_client' }),
      'introspection',
      'introspection_unauthorized',
      /introspection\.clientSecret/,
    ],
    [
      'an endpoint answering 500',
      () => json(500, { error: 'x' }),
      'introspection',
      'introspection_unavailable',
      /introspection\.endpoint/,
    ],
    [
      'another audience',
      () => answer({ ...active, iss: base, aud: 'https://other.test' }),
      'aud',
      'wrong_audience',
      /set audience/,
    ],
    [
      'another issuer',
      () => answer({ ...active, iss: 'https://evil.test/' }),
      'issuer',
      'unknown_issuer',
      /add "https:\/\/evil\.test\/"/,
    ],
    [
      'an expired answer',
      () => answer({ ...active, iss: base, exp: NOW - 60 }),
      'exp',
      'expired',
      /fresh token/,
    ],
    [
      'a refresh token',
      () => answer({ ...active, iss: base, token_type: 'refresh_token' }),
      'token_type',
      'refresh_token',
      /access token/,
    ],
    [
      'a member of the wrong type',
      () => answer({ ...active, iss: base, exp: 'soon' }),
      'claim_types',
      'invalid_claim',
      /registered member types/,
    ],
  ]

  it.each(CASES)('%s', async (_, handler, check, reason, fix) => {
    routes['/introspect'] = handler()
    const tokens = opaqueValidator()
    const report = await tokens.explain('opaque-token-1')
    expect(report).toMatchObject({ ok: false, strategy: 'opaque', reason })
    const failed = report.checks.find((item) => !item.ok && item.skipped !== true)
    expect(failed).toMatchObject({ check, reason })
    expect(`${failed!.detail} ${failed!.fix}`).toMatch(fix)
    expect(JSON.stringify(report)).not.toContain('opaque-token-1')
    expect(await reasonOf(tokens, 'opaque-token-1')).toBe(reason)
  })

  it('an active answer: accepted, summarised, and not cached (the next request asks again)', async () => {
    routes['/introspect'] = answer({ ...active, iss: base })
    const tokens = opaqueValidator()
    const report = await tokens.explain('opaque-token-2')
    expect(report).toMatchObject({ ok: true, strategy: 'opaque', claims: { iss: base, client: 'app' } })
    expect(
      events.filter(
        (event) => event.type === 'accepted' || event.type === 'rejected' || event.type === 'cache_miss',
      ),
    ).toEqual([])
    await tokens.verify('opaque-token-2')
    expect(hits.filter((url) => url === '/introspect')).toHaveLength(2)
  })
})

describe('a sensitive route that also introspects its JWTs', () => {
  it('runs the JWT checks, then asks the introspection endpoint', async () => {
    routes['/introspect'] = json(200, { active: false })
    const tokens = createValidator({
      issuer: base,
      audience: AUDIENCE,
      now: () => NOW * 1000,
      jwt: { algorithms: ['RS256'] },
      introspection: { endpoint: `${base}/introspect`, clientId: 'api', clientSecret: 'right' },
    })
    opened.push(tokens)
    const token = await accessToken(rsa, { iss: base })
    const route = { sensitive: true, introspectJwt: true }
    const report = await tokens.explain(token, route)
    expect(report).toMatchObject({ ok: false, strategy: 'jwt', reason: 'inactive' })
    expect(report.checks.find((item) => item.check === 'signature')).toMatchObject({ ok: true })
    expect(hits).toContain('/introspect')
    await expect(tokens.verify(token, route)).rejects.toMatchObject({ reason: 'inactive' })
    // The plain route of the same validator does not introspect: accepted.
    expect(await tokens.explain(token)).toMatchObject({ ok: true })
  })
})
