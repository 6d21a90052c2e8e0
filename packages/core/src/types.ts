/** Claims of a validated token: registered JWT claims (RFC 7519 §4.1), or an RFC 7662 introspection response. */
export interface TokenClaims {
  iss?: string
  sub?: string
  aud?: string | readonly string[]
  exp?: number
  nbf?: number
  iat?: number
  jti?: string
  client_id?: string
  scope?: string | readonly string[]
  [claim: string]: unknown
}

/** `T` read-only all the way down: what the runtime enforces on claims (they are deeply frozen). */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer U)[]
    ? ReadonlyArray<DeepReadonly<U>>
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T

/** How a route validates its tokens. */
export type Strategy = 'jwt' | 'opaque' | 'hybrid'

/** A proof-of-possession binding carried by the token (`cnf`, RFC 7800); every method present is enforced. */
export interface TokenBinding {
  /** `dpop` when the token carries `cnf.jkt` (RFC 9449), else `mtls` for `cnf["x5t#S256"]` (RFC 8705). */
  readonly type: 'dpop' | 'mtls'
  /** The thumbprint of that binding: `jkt`, else `x5t#S256`. */
  readonly thumbprint: string
  /** `cnf.jkt`: every request needs a DPoP proof by the key with this thumbprint. */
  readonly jkt: string | undefined
  /** `cnf["x5t#S256"]`: every request needs the client certificate with this SHA-256 thumbprint. */
  readonly x5tS256: string | undefined
}

/**
 * What a protected handler learns about its caller. Deeply frozen at runtime (one context may be
 * shared by every request with the same token) and read-only in the types.
 */
export interface AuthContext<C extends TokenClaims = TokenClaims> {
  /** The strategy that accepted the token (`hybrid` routes resolve to one of these). */
  readonly strategy: 'jwt' | 'opaque'
  /**
   * The access token as presented. Not enumerable: `JSON.stringify(auth)` (and `res.json(req.auth)`)
   * leave it out, so a response never echoes the bearer token.
   */
  readonly token: string
  readonly claims: DeepReadonly<C>
  /** Granted scopes, read where the issuer's profile says (`scope`, `scp`, `permissions`, …) or from `scopeClaim`. */
  readonly scopes: readonly string[]
  /** Granted roles, read where the issuer's profile says (`roles`, `realm_access.roles`, `cognito:groups`, …). */
  readonly roles: readonly string[]
  readonly subject: string | undefined
  readonly clientId: string | undefined
  readonly issuer: string | undefined
  /** Expiry, in seconds since the epoch. */
  readonly expiresAt: number | undefined
  readonly jti: string | undefined
  readonly binding: TokenBinding | undefined
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
