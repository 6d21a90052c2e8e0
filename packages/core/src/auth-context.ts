import { deepFreeze } from './deep-freeze.js'
import { readClientId, readRoles, readScopes } from './profiles/claims.js'
import type { ResolvedProfile } from './profiles/types.js'
import { parseScopes } from './scopes.js'
import { readBinding } from './binding-claim.js'
import type { AuthContext, TokenBinding, TokenClaims } from './types.js'

/**
 * Where scopes, roles and the client are read: the issuer's profile (or a lookup choosing it by the
 * claims' `iss`), or, as before profiles, a scope claim name.
 */
export type ClaimSource = ResolvedProfile | ((claims: TokenClaims) => ResolvedProfile) | string | undefined

type Fields = Omit<AuthContext, 'token'>

/** The empty list every context without scopes or roles shares (most tokens carry no roles). */
const NONE: readonly string[] = Object.freeze([])
const frozenList = (list: string[]): readonly string[] => (list.length === 0 ? NONE : Object.freeze(list))

/**
 * The context a handler sees. `token` is an accessor on the prototype, so not enumerable:
 * `JSON.stringify(auth)`, `res.json(req.auth)` and spreads never carry the raw bearer token. The
 * fields are shared between the contexts of one cached token (claims and all, deeply frozen);
 * only the token differs: a cache keeps a context without it and each hit gets the presented one.
 */
class Context implements AuthContext {
  readonly strategy: Fields['strategy']
  readonly claims: Fields['claims']
  readonly scopes: readonly string[]
  readonly roles: readonly string[]
  readonly subject: string | undefined
  readonly clientId: string | undefined
  readonly issuer: string | undefined
  readonly expiresAt: number | undefined
  readonly jti: string | undefined
  readonly binding: TokenBinding | undefined
  readonly #token: string
  // The hash a strategy already took of this presentation (see `tokenDigest`): private, so no
  // spread or JSON carries it, and the denylist need not hash the token again.
  readonly #digest: string | undefined

  constructor(fields: Fields, token: string, digest: string | undefined) {
    this.strategy = fields.strategy
    this.claims = fields.claims
    this.scopes = fields.scopes
    this.roles = fields.roles
    this.subject = fields.subject
    this.clientId = fields.clientId
    this.issuer = fields.issuer
    this.expiresAt = fields.expiresAt
    this.jti = fields.jti
    this.binding = fields.binding
    this.#token = token
    this.#digest = digest
    Object.freeze(this)
  }

  static digestOf(context: object): string | undefined {
    return #digest in context ? context.#digest : undefined
  }

  /** The access token as presented. */
  get token(): string {
    return this.#token
  }
}

/**
 * The same context for another presentation of the same token: the fields (claims included) are
 * shared, not copied. `token` is `''` for a context a cache keeps, which holds no raw token.
 * `digest`: see `tokenDigest`.
 */
export function withToken<C extends TokenClaims>(
  context: AuthContext<C>,
  token: string,
  digest?: string,
): AuthContext<C> {
  return new Context(context, token, digest) as unknown as AuthContext<C>
}

/**
 * The hash of the token its strategy already computed, so a request hashes it once: for a JWT,
 * `presentedFingerprint(token)` (the verified-token cache's key); for an opaque token,
 * `tokenFingerprint(token)` (its answer's key). `undefined` when none was taken (cache off).
 */
export function tokenDigest(context: AuthContext): string | undefined {
  return Context.digestOf(context)
}

/**
 * Builds the context a handler sees, the same way for every strategy, deeply frozen: the claims of
 * a cached token are shared by every request that hits the cache, so none may change them for the
 * next.
 */
export function buildAuthContext<C extends TokenClaims>(
  strategy: 'jwt' | 'opaque',
  token: string,
  claims: C,
  source: ClaimSource,
  digest?: string,
): AuthContext<C> {
  deepFreeze(claims)
  const profile = typeof source === 'function' ? source(claims) : source
  const dialect = typeof profile === 'object'
  const fields: Fields = {
    strategy,
    claims,
    scopes: frozenList(dialect ? readScopes(claims, profile) : parseScopes(claims, profile)),
    roles: dialect ? frozenList(readRoles(claims, profile)) : NONE,
    subject: typeof claims.sub === 'string' ? claims.sub : undefined,
    clientId: dialect
      ? readClientId(claims, profile)
      : typeof claims.client_id === 'string'
        ? claims.client_id
        : undefined,
    issuer: typeof claims.iss === 'string' ? claims.iss : undefined,
    expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
    jti: typeof claims.jti === 'string' ? claims.jti : undefined,
    binding: readBinding(claims),
  }
  return new Context(fields, token, digest) as unknown as AuthContext<C>
}
