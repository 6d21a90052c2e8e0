/**
 * A loopback OAuth 2.0 issuer for tests: metadata, JWKS, introspection and revocation served by
 * node:http on 127.0.0.1, tokens minted in process with jose.
 *
 * FOR TESTS ONLY. NEVER USE IN PRODUCTION: the signing keys live in memory, anything in the process
 * can mint any token, and there is no token endpoint, no user, no consent and no rate limit.
 */
import type { EndpointFault, TestEndpoint } from './faults.js'
import type { Jwk as JWK } from './jwk.js'
import { createKeyRing, type RotateKeysOptions } from './keys.js'
import { createMinter, type JwtTokenOptions, type OpaqueTokenOptions } from './mint.js'
import { cloneAudience, resolveOptions, type SigningAlg, type TestIssuerOptions } from './options.js'
import { startIssuerServer, type TestIssuerStats } from './server.js'
import { createTokenRegistry } from './token-registry.js'

export { SIGNING_ALGORITHMS, type SigningAlg, type TestClient, type TestIssuerOptions } from './options.js'
export type { JwtTokenOptions, OpaqueTokenOptions } from './mint.js'
export type { RotateKeysOptions } from './keys.js'
export type { TestIssuerStats } from './server.js'
export { TEST_ENDPOINTS, type EndpointFault, type TestEndpoint } from './faults.js'

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
  /** How many POST `/introspect` requests named this token (refused and faulted ones too), since start or `resetStats()`. */
  introspectionsOf(token: string): number
  /**
   * Makes an endpoint misbehave: answer `status` with `body` and `headers`, and/or wait `delayMs`,
   * for the next `times` requests (default: until cleared). `undefined` clears it. Requests still count.
   */
  setFault(endpoint: TestEndpoint, fault: EndpointFault | undefined): void
  /** Clears every fault: every endpoint answers normally again. */
  clearFaults(): void
  /** Sets every counter of `stats` (and `introspectionsOf`) back to zero. */
  resetStats(): void
  /** Stops listening and closes every connection, keep-alive ones included. */
  close(): Promise<void>
}

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
  const keys = await createKeyRing(config.algorithms)
  const registry = createTokenRegistry(() => Math.floor(config.now() / 1000))
  const server = await startIssuerServer({ config, keys, registry })
  const { url, port } = server
  const minter = createMinter(url, config, keys, registry)

  return {
    url,
    issuer: url,
    port,
    jwksUri: `${url}/jwks`,
    introspectionEndpoint: `${url}/introspect`,
    revocationEndpoint: `${url}/revoke`,
    metadataUrl: `${url}/.well-known/oauth-authorization-server`,
    audience: config.audience,
    algorithms: config.algorithms,
    get signingKids() {
      return keys.signingKids()
    },
    revokedJtis: registry.revokedJtis,
    get stats() {
      return server.stats()
    },
    jwt: (opts = {}) => minter.jwt(opts),
    opaque: (opts = {}) => minter.opaque(opts),
    revoke: (token) => registry.revoke(token),
    rotateKeys: (opts = {}) => keys.rotate(opts),
    publicJwks: () => keys.publicJwks(),
    validatorOptions(audience) {
      const client = config.clients[0]!
      return {
        issuer: url,
        audience: cloneAudience(audience ?? config.audience),
        jwt: { algorithms: [...config.algorithms] },
        introspection: { clientId: client.clientId, clientSecret: client.clientSecret },
      }
    },
    introspectionsOf: (token) => server.introspectionsOf(token),
    setFault: (endpoint, fault) => server.setFault(endpoint, fault),
    clearFaults: () => server.clearFaults(),
    resetStats: () => server.resetStats(),
    close: () => server.close(),
  }
}
