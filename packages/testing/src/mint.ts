/** Minting: RFC 9068 JWT access tokens signed in process, and random opaque tokens. */
import { randomBytes, randomUUID } from 'node:crypto'
import { SignJWT, type JWTHeaderParameters } from 'jose'
import type { KeyRing } from './keys.js'
import type { ResolvedIssuerOptions, SigningAlg } from './options.js'
import type { TokenRegistry } from './token-registry.js'

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

export interface Minter {
  jwt(options: JwtTokenOptions): Promise<string>
  opaque(options: OpaqueTokenOptions): string
}

export function createMinter(
  url: string,
  config: ResolvedIssuerOptions,
  keys: KeyRing,
  registry: TokenRegistry,
): Minter {
  function claimsFor(opts: OpaqueTokenOptions): Record<string, unknown> {
    const iat = Math.floor(config.now() / 1000)
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

  return {
    async jwt(opts) {
      const key = keys.signingKey(opts)
      const claims = claimsFor(opts)
      // RFC 9068 §2.1: `typ: at+jwt`, unless the test overrides it to exercise a refusal.
      const header = withoutUndefined({ typ: 'at+jwt', kid: key.kid, ...opts.header, alg: key.alg })
      const token = await new SignJWT(claims)
        .setProtectedHeader(header as unknown as JWTHeaderParameters)
        .sign(key.privateKey)
      registry.remember(token, claims)
      return token
    },
    opaque(opts) {
      const token = randomBytes(32).toString('base64url')
      registry.remember(token, claimsFor(opts))
      return token
    },
  }
}

function withoutUndefined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined))
}
