/**
 * A loopback OAuth 2.0 issuer for tests: metadata, JWKS, introspection and revocation served by
 * node:http on 127.0.0.1, tokens minted in process with jose.
 *
 * FOR TESTS ONLY. NEVER USE IN PRODUCTION: the signing keys live in memory, anything in the process
 * can mint any token, and there is no token endpoint, no user, no consent and no rate limit.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes, randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import {
  SignJWT,
  calculateJwkThumbprint,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JWTHeaderParameters,
  type KeyObject,
} from 'jose'
import type { Jwk as JWK } from './jwk.js'

/** Signing algorithms the test issuer can mint with. */
export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA'

export const SIGNING_ALGORITHMS: readonly SigningAlg[] = ['RS256', 'ES256', 'EdDSA']

/** A client allowed to call `/introspect` and `/revoke` (client_secret_basic or client_secret_post). */
export interface TestClient {
  clientId: string
  clientSecret: string
}

export interface TestIssuerOptions {
  /** Default `aud` of minted tokens and default `audience` of `validatorOptions()`. Default `'https://api.example.test'`. */
  audience?: string | string[]
  /**
   * Algorithms the issuer holds a key for (one key each, all published in the JWKS); the first one
   * signs when `jwt()` is given no `alg`. Default `['RS256', 'ES256', 'EdDSA']`.
   */
  algorithms?: SigningAlg[]
  /** Default token lifetime, in seconds. Default 300. */
  expiresIn?: number
  /** Default `sub` of minted tokens. Default `'test-user'`. */
  subject?: string
  /** Default `client_id` of minted tokens (the caller the token was issued to). Default `'test-client'`. */
  clientId?: string
  /**
   * Clients allowed to introspect and revoke; the first one is what `validatorOptions()` returns.
   * Default `[{ clientId: 'api', clientSecret: 'api-secret' }]`.
   */
  clients?: TestClient[]
  /** Port on 127.0.0.1. Default 0 (a free one). */
  port?: number
  /** Clock in milliseconds, for `iat`/`exp` and expiry at introspection. Default `Date.now`. */
  now?: () => number
}

/** Options of `issuer.opaque()`. Every claim is optional; `undefined` in `claims` removes a claim. */
export interface OpaqueTokenOptions {
  /** `sub`. Default: the issuer's `subject` option. */
  sub?: string
  /** Granted scopes: a space-separated string or a list. Default: none (no `scope` claim). */
  scope?: string | string[]
  /** `aud`. Default: the issuer's `audience` option. */
  aud?: string | string[]
  /** Lifetime in seconds; zero or negative mints an already expired token. Default: the issuer's `expiresIn`. */
  expiresIn?: number
  /** `client_id`. Default: the issuer's `clientId` option. */
  clientId?: string
  /** Extra claims, merged last: they override the defaults (`{ iss: 'https://other' }`, `{ exp: undefined }`). */
  claims?: Record<string, unknown>
}

/** Options of `issuer.jwt()`: those of `opaque()`, plus the JWS header and key. */
export interface JwtTokenOptions extends OpaqueTokenOptions {
  /** Extra or overriding protected header parameters (`{ typ: 'JWT' }`, `{ kid: 'unknown' }`, `{ typ: undefined }`). `alg` always follows the key. */
  header?: Record<string, unknown>
  /** Sign with this key: any key the issuer ever held, including one rotated out of the JWKS. */
  kid?: string
  /** Sign with the current key of this algorithm. Default: the key of `kid`, else the first configured algorithm. */
  alg?: SigningAlg
}

export interface RotateKeysOptions {
  /** Keep publishing the previous keys in the JWKS (tokens they signed still verify). Default true. */
  keepOld?: boolean
}

/** Requests received, per endpoint, since start (or `resetStats()`). Refused requests count too. */
export interface TestIssuerStats {
  /** GET `/jwks` */
  jwksFetches: number
  /** POST `/introspect` */
  introspections: number
  /** GET of either discovery document */
  metadataFetches: number
  /** POST `/revoke` */
  revocations: number
}

/**
 * Options ready for `createValidator` (from `@tokenguard/core` or any adapter). Structurally a
 * `ValidatorOptions`; spread it to add your own (`{ ...issuer.validatorOptions(), onEvent }`).
 */
export interface TestValidatorOptions {
  issuer: string
  audience: string | string[]
  jwt: { algorithms: SigningAlg[] }
  introspection: { clientId: string; clientSecret: string }
}

/**
 * A running test issuer. **For tests only, never production.**
 */
export interface TestIssuer {
  /** The issuer identifier and base URL, `http://127.0.0.1:<port>` (the `iss` of every minted token). */
  readonly url: string
  /** Same as `url`. */
  readonly issuer: string
  readonly port: number
  /** `<url>/jwks` */
  readonly jwksUri: string
  /** `<url>/introspect` (RFC 7662) */
  readonly introspectionEndpoint: string
  /** `<url>/revoke` (RFC 7009) */
  readonly revocationEndpoint: string
  /** `<url>/.well-known/oauth-authorization-server` (RFC 8414) */
  readonly metadataUrl: string
  /** The audience option (default `aud`). */
  readonly audience: string | string[]
  /** Algorithms the issuer holds keys for. */
  readonly algorithms: readonly SigningAlg[]
  /** The `kid` currently signing for each algorithm. */
  readonly signingKids: Readonly<Partial<Record<SigningAlg, string>>>
  /** `jti`s revoked through `revoke()` or `/revoke`; introspection answers their JWTs inactive. */
  readonly revokedJtis: ReadonlySet<string>
  /** A snapshot of the request counters. */
  readonly stats: TestIssuerStats
  /** Mints an RFC 9068 JWT access token (`typ: at+jwt`, `iss`, `sub`, `aud`, `client_id`, `iat`, `exp`, `jti`). */
  jwt(options?: JwtTokenOptions): Promise<string>
  /** Mints an opaque (random) access token, remembered so that `/introspect` can describe it. */
  opaque(options?: OpaqueTokenOptions): string
  /**
   * Revokes a token: an opaque (or minted JWT) token becomes inactive at introspection, a JWT's `jti`
   * is added to `revokedJtis`. Returns false when there was nothing to revoke. Validators still
   * holding a cached answer are not told: use a `sensitive` route (no cached answer) to see it at once.
   */
  revoke(token: string): boolean
  /** Generates a new key per algorithm, which signs from now on. Resolves with the new `kid`s. */
  rotateKeys(options?: RotateKeysOptions): Promise<string[]>
  /** The public key set served at `/jwks` (e.g. for a validator with a local `jwt.jwks`). */
  publicJwks(): { keys: JWK[] }
  /** Validator options for this issuer: issuer, audience (default: the issuer's), algorithms, the first client. */
  validatorOptions(audience?: string | string[]): TestValidatorOptions
  /** Sets every counter of `stats` back to zero. */
  resetStats(): void
  /** Stops listening and closes every connection, keep-alive ones included. */
  close(): Promise<void>
}

interface SigningKey {
  kid: string
  alg: SigningAlg
  privateKey: CryptoKey | KeyObject
  publicJwk: JWK
}

interface TokenRecord {
  claims: Record<string, unknown>
  revoked: boolean
}

const MAX_BODY_BYTES = 64 * 1024

/**
 * Starts a test issuer on 127.0.0.1 (a free port unless `port` is given). It serves:
 *
 * - `GET /.well-known/oauth-authorization-server` (RFC 8414) and `GET /.well-known/openid-configuration`
 * - `GET /jwks`: the public keys (RS256, ES256 and EdDSA by default)
 * - `POST /introspect` (RFC 7662) and `POST /revoke` (RFC 7009), with client_secret_basic or
 *   client_secret_post for the configured clients (default `api` / `api-secret`)
 *
 * **FOR TESTS ONLY, NEVER PRODUCTION.** Keys are generated and kept in memory, tokens are minted by
 * plain function calls with no authentication of whoever asks, and nothing is persisted.
 *
 * @example
 * ```ts
 * const issuer = await createTestIssuer()
 * const tokens = createValidator(issuer.validatorOptions())
 * const token = await issuer.jwt({ scope: 'items:read' })
 * // … requests with `Authorization: Bearer ${token}` …
 * await tokens.close()
 * await issuer.close()
 * ```
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const config = resolveOptions(options)
  const now = config.now
  const nowSeconds = () => Math.floor(now() / 1000)

  // Every key ever generated, by kid (rotated-out keys can still sign, to test unknown-kid paths).
  const allKeys = new Map<string, SigningKey>()
  let published: SigningKey[] = []
  let current = new Map<SigningAlg, SigningKey>()

  async function generateKeys(): Promise<SigningKey[]> {
    const keys = await Promise.all(config.algorithms.map(newKey))
    for (const key of keys) allKeys.set(key.kid, key)
    return keys
  }

  const first = await generateKeys()
  published = [...first]
  current = new Map(first.map((key) => [key.alg, key]))

  const tokens = new Map<string, TokenRecord>()
  const revokedJtis = new Set<string>()
  const stats: TestIssuerStats = { jwksFetches: 0, introspections: 0, metadataFetches: 0, revocations: 0 }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: 'server_error', error_description: String(error) })
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`
  const endpoints = {
    jwks: `${url}/jwks`,
    introspection: `${url}/introspect`,
    revocation: `${url}/revoke`,
    metadata: `${url}/.well-known/oauth-authorization-server`,
  }

  function metadata(openid: boolean): Record<string, unknown> {
    const document: Record<string, unknown> = {
      issuer: url,
      jwks_uri: endpoints.jwks,
      introspection_endpoint: endpoints.introspection,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint: endpoints.revocation,
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      // No authorization or token endpoint: tokens are minted in process.
      response_types_supported: [],
      grant_types_supported: [],
      scopes_supported: [],
    }
    if (openid) {
      document.subject_types_supported = ['public']
      document.id_token_signing_alg_values_supported = [...config.algorithms]
    }
    return document
  }

  function describe(token: string): Record<string, unknown> {
    const record = tokens.get(token)
    if (record === undefined || record.revoked) return { active: false }
    const { exp, nbf, jti } = record.claims
    const nowSec = nowSeconds()
    if (typeof exp === 'number' && exp <= nowSec) return { active: false }
    if (typeof nbf === 'number' && nbf > nowSec) return { active: false }
    if (typeof jti === 'string' && revokedJtis.has(jti)) return { active: false }
    return { active: true, token_type: 'Bearer', ...record.claims }
  }

  function revoke(token: string): boolean {
    let done = false
    const record = tokens.get(token)
    if (record !== undefined) {
      record.revoked = true
      done = true
    }
    let payload: Record<string, unknown> | undefined
    try {
      payload = decodeJwt(token)
    } catch {
      payload = undefined
    }
    // A JWT (minted here or not) is also revoked by its jti, as a resource server's denylist would.
    const jti = payload?.jti
    if (typeof jti === 'string') {
      revokedJtis.add(jti)
      done = true
    }
    return done
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', url).pathname
    switch (path) {
      case '/.well-known/oauth-authorization-server':
      case '/.well-known/openid-configuration':
        if (!allow(req, res, 'GET')) return
        stats.metadataFetches++
        return send(res, 200, metadata(path.endsWith('openid-configuration')))
      case '/jwks':
        if (!allow(req, res, 'GET')) return
        stats.jwksFetches++
        return send(res, 200, { keys: published.map((key) => key.publicJwk) }, 'application/jwk-set+json')
      case '/introspect':
      case '/revoke': {
        if (!allow(req, res, 'POST')) return
        if (path === '/introspect') stats.introspections++
        else stats.revocations++
        const params = await readForm(req, res)
        if (params === undefined) return
        if (!authenticateClient(req, res, params, config.clients)) return
        const token = params.get('token')
        if (!token)
          return send(res, 400, { error: 'invalid_request', error_description: 'token is required' })
        if (path === '/introspect') return send(res, 200, describe(token))
        revoke(token)
        // RFC 7009 §2.2: 200 whether or not the token was known.
        res.writeHead(200, { 'cache-control': 'no-store' }).end()
        return
      }
      default:
        return send(res, 404, { error: 'not_found' })
    }
  }

  function baseClaims(opts: OpaqueTokenOptions): Record<string, unknown> {
    const iat = nowSeconds()
    const expiresIn = opts.expiresIn ?? config.expiresIn
    if (!Number.isFinite(expiresIn)) throw new TypeError('expiresIn must be a finite number of seconds')
    const scope =
      opts.scope === undefined ? undefined : Array.isArray(opts.scope) ? opts.scope.join(' ') : opts.scope
    return withoutUndefined({
      iss: url,
      sub: opts.sub ?? config.subject,
      aud: opts.aud ?? config.audience,
      client_id: opts.clientId ?? config.clientId,
      scope,
      iat,
      exp: iat + Math.trunc(expiresIn),
      jti: randomUUID(),
      ...opts.claims,
    })
  }

  function signingKey(opts: JwtTokenOptions): SigningKey {
    if (opts.kid !== undefined) {
      const key = allKeys.get(opts.kid)
      if (key === undefined) throw new Error(`test issuer: no key with kid "${opts.kid}"`)
      if (opts.alg !== undefined && opts.alg !== key.alg) {
        throw new Error(`test issuer: key "${opts.kid}" is ${key.alg}, not ${opts.alg}`)
      }
      return key
    }
    const alg = opts.alg ?? config.algorithms[0]!
    const key = current.get(alg)
    if (key === undefined) {
      throw new Error(`test issuer: no ${alg} key (configured algorithms: ${config.algorithms.join(', ')})`)
    }
    return key
  }

  const issuer: TestIssuer = {
    url,
    issuer: url,
    port,
    jwksUri: endpoints.jwks,
    introspectionEndpoint: endpoints.introspection,
    revocationEndpoint: endpoints.revocation,
    metadataUrl: endpoints.metadata,
    audience: config.audience,
    algorithms: config.algorithms,
    get signingKids() {
      return Object.fromEntries([...current].map(([alg, key]) => [alg, key.kid]))
    },
    revokedJtis,
    get stats() {
      return { ...stats }
    },

    async jwt(opts = {}) {
      const key = signingKey(opts)
      const claims = baseClaims(opts)
      const header = withoutUndefined({ typ: 'at+jwt', kid: key.kid, ...opts.header, alg: key.alg })
      const token = await new SignJWT(claims)
        .setProtectedHeader(header as unknown as JWTHeaderParameters)
        .sign(key.privateKey)
      tokens.set(token, { claims, revoked: false })
      return token
    },

    opaque(opts = {}) {
      const token = randomBytes(32).toString('base64url')
      tokens.set(token, { claims: baseClaims(opts), revoked: false })
      return token
    },

    revoke,

    async rotateKeys(opts = {}) {
      const fresh = await generateKeys()
      published = opts.keepOld === false ? [...fresh] : [...fresh, ...published]
      current = new Map(fresh.map((key) => [key.alg, key]))
      return fresh.map((key) => key.kid)
    },

    publicJwks() {
      return { keys: published.map((key) => ({ ...key.publicJwk })) }
    },

    validatorOptions(audience) {
      const client = config.clients[0]!
      return {
        issuer: url,
        audience: cloneAudience(audience ?? config.audience),
        jwt: { algorithms: [...config.algorithms] },
        introspection: { clientId: client.clientId, clientSecret: client.clientSecret },
      }
    },

    resetStats() {
      stats.jwksFetches = 0
      stats.introspections = 0
      stats.metadataFetches = 0
      stats.revocations = 0
    },

    close() {
      return new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve()
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
    },
  }
  return issuer
}

function resolveOptions(options: TestIssuerOptions) {
  if (options === null || typeof options !== 'object')
    throw new TypeError('createTestIssuer: options must be an object')
  const algorithms = options.algorithms ?? [...SIGNING_ALGORITHMS]
  if (!Array.isArray(algorithms) || algorithms.length === 0)
    throw new TypeError('createTestIssuer: `algorithms` must be a non-empty list')
  for (const alg of algorithms) {
    if (!SIGNING_ALGORITHMS.includes(alg))
      throw new TypeError(
        `createTestIssuer: unsupported algorithm "${String(alg)}" (use ${SIGNING_ALGORITHMS.join(', ')})`,
      )
  }
  const clients = options.clients ?? [{ clientId: 'api', clientSecret: 'api-secret' }]
  if (!Array.isArray(clients) || clients.length === 0)
    throw new TypeError('createTestIssuer: `clients` must be a non-empty list')
  for (const client of clients) {
    if (typeof client?.clientId !== 'string' || !client.clientId || typeof client.clientSecret !== 'string')
      throw new TypeError('createTestIssuer: every client needs a clientId and a clientSecret')
  }
  const expiresIn = options.expiresIn ?? 300
  if (!Number.isFinite(expiresIn))
    throw new TypeError('createTestIssuer: `expiresIn` must be a number of seconds')
  return {
    audience: cloneAudience(options.audience ?? 'https://api.example.test'),
    algorithms: Object.freeze([...new Set(algorithms)]),
    expiresIn,
    subject: options.subject ?? 'test-user',
    clientId: options.clientId ?? 'test-client',
    clients: clients.map((client) => ({ ...client })),
    port: options.port ?? 0,
    now: options.now ?? Date.now,
  }
}

async function newKey(alg: SigningAlg): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {})
  const jwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(jwk)
  return { kid, alg, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } }
}

function cloneAudience(audience: string | string[]): string | string[] {
  return Array.isArray(audience) ? [...audience] : audience
}

function withoutUndefined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined))
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(text)
}

function allow(req: IncomingMessage, res: ServerResponse, method: 'GET' | 'POST'): boolean {
  if (req.method === method || (method === 'GET' && req.method === 'HEAD')) return true
  send(res, 405, { error: 'method_not_allowed' }, 'application/json', { allow: method })
  return false
}

async function readForm(req: IncomingMessage, res: ServerResponse): Promise<URLSearchParams | undefined> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) {
      send(res, 413, { error: 'invalid_request', error_description: 'body too large' })
      return undefined
    }
    chunks.push(chunk)
  }
  if (type !== 'application/x-www-form-urlencoded') {
    send(res, 400, {
      error: 'invalid_request',
      error_description: 'expected application/x-www-form-urlencoded',
    })
    return undefined
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

/** RFC 6749 §2.3.1: HTTP Basic with form-urlencoded id and secret, or both in the body; never both methods. */
function authenticateClient(
  req: IncomingMessage,
  res: ServerResponse,
  params: URLSearchParams,
  clients: readonly TestClient[],
): boolean {
  const refuse = (description: string) => {
    send(res, 401, { error: 'invalid_client', error_description: description }, 'application/json', {
      'www-authenticate': 'Basic realm="tokenguard-test-issuer"',
    })
    return false
  }
  const header = req.headers.authorization
  const basic = header !== undefined && /^basic /i.test(header)
  const post = params.has('client_secret')
  if (basic && post) {
    send(res, 400, {
      error: 'invalid_request',
      error_description: 'more than one client authentication method',
    })
    return false
  }
  let clientId: string | undefined
  let clientSecret: string | undefined
  if (basic) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) return refuse('malformed Basic credentials')
    try {
      clientId = formUrlDecode(decoded.slice(0, colon))
      clientSecret = formUrlDecode(decoded.slice(colon + 1))
    } catch {
      return refuse('malformed Basic credentials')
    }
  } else if (post) {
    clientId = params.get('client_id') ?? undefined
    clientSecret = params.get('client_secret') ?? undefined
  } else {
    return refuse('client authentication required')
  }
  const client = clients.find((candidate) => candidate.clientId === clientId)
  if (client === undefined || client.clientSecret !== clientSecret)
    return refuse('client authentication failed')
  return true
}

function formUrlDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '))
}
