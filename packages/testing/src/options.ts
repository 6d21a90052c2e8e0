/** Options of `createTestIssuer`: their types, and the one place they are checked and defaulted. */

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

/** The options once checked and defaulted: every module of the issuer trusts this shape. */
export interface ResolvedIssuerOptions {
  audience: string | string[]
  algorithms: readonly SigningAlg[]
  expiresIn: number
  subject: string
  clientId: string
  clients: readonly TestClient[]
  port: number
  now: () => number
}

export function resolveOptions(options: TestIssuerOptions): ResolvedIssuerOptions {
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

export function cloneAudience(audience: string | string[]): string | string[] {
  return Array.isArray(audience) ? [...audience] : audience
}
