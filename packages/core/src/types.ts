/** Claims of a validated token: registered JWT claims (RFC 7519 §4.1), or an RFC 7662 introspection response. */
export interface TokenClaims {
  iss?: string
  sub?: string
  aud?: string | string[]
  exp?: number
  nbf?: number
  iat?: number
  jti?: string
  client_id?: string
  scope?: string | string[]
  [claim: string]: unknown
}

/** How a route validates its tokens. */
export type Strategy = 'jwt' | 'opaque' | 'hybrid'

/** A proof-of-possession binding carried by the token (`cnf`, RFC 7800). */
export interface TokenBinding {
  /** `dpop` for `cnf.jkt` (RFC 9449), `mtls` for `cnf["x5t#S256"]` (RFC 8705). */
  type: 'dpop' | 'mtls'
  thumbprint: string
}

/** What a protected handler learns about its caller. */
export interface AuthContext<C extends TokenClaims = TokenClaims> {
  /** The strategy that accepted the token (`hybrid` routes resolve to one of these). */
  strategy: 'jwt' | 'opaque'
  /** The access token as presented. */
  token: string
  claims: C
  /** Granted scopes, read where the issuer's profile says (`scope`, `scp`, `permissions`, …) or from `scopeClaim`. */
  scopes: string[]
  /** Granted roles, read where the issuer's profile says (`roles`, `realm_access.roles`, `cognito:groups`, …). */
  readonly roles: readonly string[]
  subject: string | undefined
  clientId: string | undefined
  issuer: string | undefined
  /** Expiry, in seconds since the epoch. */
  expiresAt: number | undefined
  jti: string | undefined
  binding: TokenBinding | undefined
}

/** Per-route policy, given to `requireToken(validator, routeOptions)`. */
export interface RouteOptions {
  /** A name for this route in events and metrics (e.g. `GET /items`). */
  name?: string
  /** Defaults to `jwt` when only `jwt` is configured, `opaque` when only `introspection` is, else `hybrid`. */
  strategy?: Strategy
  /** Sensitive routes check the denylist and never use a cached introspection result older than `cacheMaxAge`. */
  sensitive?: boolean
  /** Let requests without any token through (`auth` is left unset); a bad token is still rejected. */
  optional?: boolean
  /** Upper bound, in seconds, on the age of a cached introspection result this route accepts (sensitive default 0). */
  cacheMaxAge?: number
  /** On a sensitive route, also introspect JWTs (for authorization servers that can). Default false. */
  introspectJwt?: boolean
}
