/**
 * A real OAuth 2.0 authorization server (oidc-provider 9) on 127.0.0.1 for the e2e and
 * conformance tests, the demo and the bench. It issues client_credentials tokens:
 *   - resource https://api.example.test/jwt    -> RFC 9068 JWT access token (typ at+jwt)
 *   - resource https://api.example.test/opaque -> opaque token, checked by RFC 7662 introspection
 * and serves introspection (RFC 7662), revocation (RFC 7009), JWKS and RFC 8414 / OIDC
 * discovery metadata. A `resource` (RFC 8707) is always required: a token without an
 * audience is useless to a resource server, so asking for one is a test bug.
 *
 * Key rotation = restart: stop() then startAuthServer({ port: old.port, keys: [newKey, oldKey],
 * storage: old.storage }). keys[0] signs; every key is published in the JWKS. The issuer
 * contains the port, so the same port keeps the same issuer. Opaque tokens survive because
 * the adapter storage is shared (by default per issuer, see memory-adapter.ts).
 */
import http from 'node:http'
import crypto from 'node:crypto'
import type { AddressInfo } from 'node:net'
import './quiet-oidc-provider' // must precede oidc-provider: drops its Node 20 runtime warning
import Provider, { errors } from 'oidc-provider'
import type { ClientMetadata, Configuration, ResourceServer } from 'oidc-provider'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import { createMemoryStorage, memoryAdapter, type MemoryStorage } from './memory-adapter'

export const JWT_RESOURCE = 'https://api.example.test/jwt'
export const OPAQUE_RESOURCE = 'https://api.example.test/opaque'
export const DEFAULT_SCOPES = ['items:read', 'items:write', 'payments:write', 'profile:read']

/** The resource server (API) client: authenticates to the introspection endpoint. */
export const API_CLIENT = { id: 'api', secret: 'api-secret' }
/** The calling client: obtains tokens with client_credentials. */
export const CLIENT = { id: 'client', secret: 'client-secret' }

export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA'

export interface ResourceOptions {
  format: 'jwt' | 'opaque'
  /** `aud` of the tokens; defaults to the resource indicator itself */
  audience?: string
  /** seconds; defaults to the server's accessTokenTtl */
  accessTokenTtl?: number
}

export interface AuthServerOptions {
  /** 0 (default) = a free port; pass a stopped server's port to "restart" it (same issuer). */
  port?: number
  /** Private signing JWKs (with kid and alg); keys[0] signs JWTs. Default: one new RS256 key. */
  keys?: JWK[]
  /** Access token lifetime in seconds (default 300). */
  accessTokenTtl?: number
  /** The scopes the server knows and both resources accept (default DEFAULT_SCOPES). */
  scopes?: string[]
  /** Extra oidc-provider clients, e.g. a second caller or one with a different auth method. */
  clients?: ClientMetadata[]
  /** Extra resources (indicator -> format), besides the jwt and opaque ones. */
  resources?: Record<string, ResourceOptions>
  /** Adapter storage; default: one storage per issuer URL, so a restart on the same port keeps tokens. */
  storage?: MemoryStorage
}

export interface TokenResponse {
  access_token: string
  token_type: string
  expires_in: number
  scope?: string
}

export interface IntrospectionResponse {
  active: boolean
  [claim: string]: unknown
}

export interface ClientCredentials {
  id: string
  secret: string
}

export interface AuthServer {
  issuer: string
  port: number
  /** RFC 8414 metadata (oidc-provider also serves /.well-known/openid-configuration) */
  metadataUrl: string
  jwksUri: string
  tokenEndpoint: string
  introspectionEndpoint: string
  revocationEndpoint: string
  /** The storage in use; pass it to the next startAuthServer to keep opaque tokens. */
  storage: MemoryStorage
  /** The signing keys in use (private), keys[0] signs. */
  keys: JWK[]
  /** client_credentials over real HTTP as `client`. resource: 'jwt' | 'opaque' | an indicator. */
  getToken(resource: string, scope?: string, client?: ClientCredentials): Promise<string>
  getTokenResponse(resource: string, scope?: string, client?: ClientCredentials): Promise<TokenResponse>
  /** A DPoP-bound token (RFC 9449 §5): the token request carries a proof signed by `proofKey`. */
  getDpopToken(
    resource: string,
    proofKey: { privateKey: CryptoKey; publicJwk: JWK },
    scope?: string,
  ): Promise<string>
  /** RFC 7662 over real HTTP, as `api` unless another client is given. */
  introspect(token: string, client?: ClientCredentials): Promise<IntrospectionResponse>
  /** RFC 7009 over real HTTP, as `client` unless another client is given. Opaque tokens only. */
  revoke(token: string, client?: ClientCredentials): Promise<void>
  publicJwks(): { keys: JWK[] }
  stop(): Promise<void>
}

/** A private signing JWK with kid, alg and use: 'sig'. EdDSA means an Ed25519 key. */
export async function generateSigningKey(alg: SigningAlg = 'RS256', kid?: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = await exportJWK(privateKey)
  return {
    ...jwk,
    kid: kid ?? `${alg.toLowerCase()}-${crypto.randomBytes(6).toString('hex')}`,
    alg,
    use: 'sig',
  }
}

/** The public half of private JWKs (drops every private member: RSA d/p/q/dp/dq/qi/oth, EC/OKP d). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const
export function toPublicJwk(jwk: JWK): JWK {
  const pub: JWK = { ...jwk }
  for (const member of PRIVATE_JWK_MEMBERS) delete pub[member]
  return pub
}

// Default storage per issuer: a restart on the same port (same issuer) sees the old
// tokens, a server on another port does not (opaque token records carry no issuer).
const storageByIssuer = new Map<string, MemoryStorage>()

export async function startAuthServer(options: AuthServerOptions = {}): Promise<AuthServer> {
  const keys = options.keys?.length ? options.keys : [await generateSigningKey('RS256')]
  const signing = keys[0]!
  if (!signing.alg || !signing.kid)
    throw new Error('startAuthServer: keys need alg and kid (see generateSigningKey)')
  const ttl = options.accessTokenTtl ?? 300
  const scopes = options.scopes ?? DEFAULT_SCOPES

  // Bind first: the issuer URL contains the port, and the Provider needs the issuer up front.
  const server = http.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const issuer = `http://127.0.0.1:${port}`

  let storage = options.storage ?? storageByIssuer.get(issuer)
  if (!storage) storage = createMemoryStorage()
  storageByIssuer.set(issuer, storage)

  const resources: Record<string, ResourceOptions> = {
    [JWT_RESOURCE]: { format: 'jwt' },
    [OPAQUE_RESOURCE]: { format: 'opaque' },
    ...options.resources,
  }

  const config: Configuration = {
    adapter: memoryAdapter(storage),
    // Client metadata validation requires a key for the clients' default ID token alg
    // (RS256) even though no ID tokens are issued here; follow the signing key instead.
    clientDefaults: { id_token_signed_response_alg: signing.alg as 'RS256' },
    jwks: { keys: keys as NonNullable<Configuration['jwks']>['keys'] },
    scopes,
    clients: [
      {
        client_id: API_CLIENT.id,
        client_secret: API_CLIENT.secret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: scopes.join(' '),
      },
      ...(options.clients ?? []),
    ],
    // Setting every helper we rely on also keeps oidc-provider's "default helper called,
    // you SHOULD change it" notices out of the test output.
    ttl: {
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl,
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // RFC 9449: a token request with a DPoP proof gets a token bound to its key (cnf.jkt).
      dPoP: { enabled: true },
      // Any confidential client (the API) may introspect any token; public clients may not.
      introspection: { enabled: true, allowedPolicy: (_ctx, client) => client.clientAuthMethod !== 'none' },
      // Any confidential client may revoke any token (lets the API revoke a caller's token).
      revocation: { enabled: true, allowedPolicy: (_ctx, client) => client.clientAuthMethod !== 'none' },
      resourceIndicators: {
        enabled: true,
        // No default: a token request without `resource` fails with invalid_target.
        defaultResource: (_ctx, _client, oneOf) => {
          if (oneOf) return oneOf
          throw new errors.InvalidTarget('resource parameter is required by this test server')
        },
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx, indicator): ResourceServer => {
          const rs = resources[indicator]
          if (!rs) throw new errors.InvalidTarget(`unknown resource ${indicator}`)
          return {
            scope: scopes.join(' '),
            audience: rs.audience ?? indicator,
            accessTokenTTL: rs.accessTokenTtl ?? ttl,
            accessTokenFormat: rs.format,
            ...(rs.format === 'jwt'
              ? { jwt: { sign: { alg: signing.alg as 'RS256', kid: signing.kid } } }
              : {}),
          }
        },
      },
    },
  }

  const provider = new Provider(issuer, config)
  // oidc-provider is a Koa app: it answers its own errors, so the promise never rejects.
  const handle = provider.callback()
  server.on('request', (req, res) => void handle(req, res))

  const tokenEndpoint = `${issuer}/token`
  const introspectionEndpoint = `${issuer}/token/introspection`
  const revocationEndpoint = `${issuer}/token/revocation`

  const getTokenResponse = async (
    resource: string,
    scope?: string,
    client = CLIENT,
    headers: Record<string, string> = {},
  ): Promise<TokenResponse> => {
    const indicator = resource === 'jwt' ? JWT_RESOURCE : resource === 'opaque' ? OPAQUE_RESOURCE : resource
    const form: Record<string, string> = { grant_type: 'client_credentials', resource: indicator }
    // Default: every scope the server knows; pass '' for a token without scope.
    const wanted = scope ?? scopes.join(' ')
    if (wanted) form.scope = wanted
    const res = await postForm(tokenEndpoint, client, form, headers)
    if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.body}`)
    return JSON.parse(res.body) as TokenResponse
  }

  return {
    issuer,
    port,
    metadataUrl: `${issuer}/.well-known/oauth-authorization-server`,
    jwksUri: `${issuer}/jwks`,
    tokenEndpoint,
    introspectionEndpoint,
    revocationEndpoint,
    storage,
    keys,
    getTokenResponse,
    getToken: async (resource, scope, client) =>
      (await getTokenResponse(resource, scope, client)).access_token,
    async getDpopToken(resource, proofKey, scope) {
      const proof = await new SignJWT({ htm: 'POST', htu: tokenEndpoint, jti: crypto.randomUUID() })
        .setProtectedHeader({
          alg: proofKey.publicJwk.alg ?? 'ES256',
          typ: 'dpop+jwt',
          jwk: proofKey.publicJwk,
        })
        .setIssuedAt()
        .sign(proofKey.privateKey)
      const response = await getTokenResponse(resource, scope, CLIENT, { dpop: proof })
      if (response.token_type.toLowerCase() !== 'dpop')
        throw new Error(`expected a DPoP token, got ${response.token_type}`)
      return response.access_token
    },
    async introspect(token, client = API_CLIENT) {
      const res = await postForm(introspectionEndpoint, client, { token })
      if (res.status !== 200) throw new Error(`introspection failed: ${res.status} ${res.body}`)
      return JSON.parse(res.body) as IntrospectionResponse
    },
    async revoke(token, client = CLIENT) {
      const res = await postForm(revocationEndpoint, client, { token })
      if (res.status !== 200) throw new Error(`revocation failed: ${res.status} ${res.body}`)
    },
    publicJwks: () => ({ keys: keys.map(toPublicJwk) }),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        // close() alone waits for idle keep-alive sockets; drop them so the port frees now.
        server.closeAllConnections()
      }),
  }
}

/**
 * POST an application/x-www-form-urlencoded body with client_secret_basic (RFC 6749 §2.3.1:
 * id and secret are form-urlencoded before base64). Uses node:http without keep-alive
 * rather than fetch, so no pooled socket outlives a stop()/restart of the server.
 */
function postForm(
  url: string,
  client: ClientCredentials,
  form: Record<string, string>,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams(form).toString()
  const basic = Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString(
    'base64',
  )
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      timeout: 5000,
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': Buffer.byteLength(body),
        accept: 'application/json',
        ...extraHeaders,
      },
    })
    req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)))
    req.on('error', reject)
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      )
      res.on('error', reject)
    })
    req.end(body)
  })
}
