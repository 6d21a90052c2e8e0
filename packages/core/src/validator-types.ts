import type { ChallengeContext } from './errors.js'
import type { RevokeSubjectOptions, RevokeTarget } from './denylist/revocation.js'
import type { RequestLike } from './request.js'
import type { Claims } from './adapter-kit-types.js'
import type { AuthContext, RouteOptions, TokenClaims } from './types.js'
import type { ExplainOptions, ExplainReport } from './explain/index.js'

/** The public shape of a validator (`createValidator` in validator.ts builds one) and its brand. */

/** Set by `createValidator`, read by `isValidator`: one brand across copies of the package. */
export const VALIDATOR = Symbol.for('tokenguard.validator')

/** Validates a request for one route; returns `undefined` only for an optional route without a token. */
export type Authenticator<C extends TokenClaims = Claims> = (
  request: RequestLike,
) => Promise<AuthContext<C> | undefined>

/** Route options of a direct `verify`, and the issuer an opaque token is introspected at (issuer resolver). */
export interface VerifyOptions extends RouteOptions {
  issuer?: string
}

export interface Validator<C extends TokenClaims = Claims> {
  readonly [VALIDATOR]: true
  /** `realm` of this validator's challenges. */
  readonly realm: string
  /** The challenge a request without a token gets (RFC 6750 §3): adapters hand it to guards as data. */
  readonly challenge: ChallengeContext
  /** Builds the per-route authenticator once (route options are checked here, never per request). */
  route(routeOptions?: RouteOptions): Authenticator<C>
  /** Extracts and validates the request's token; throws a `TokenError`. */
  authenticate(request: RequestLike, routeOptions?: RouteOptions): Promise<AuthContext<C> | undefined>
  /**
   * Validates a bare token string. With an issuer resolver, `issuer` names the issuer of an opaque
   * token (a request would name it through `issuer.fromRequest`); a JWT names its own.
   */
  verify(token: string, routeOptions?: VerifyOptions): Promise<AuthContext<C>>
  /**
   * Why `token` would be accepted or refused on a route with these route options and guards
   * (`scopes`, `anyScope`, `roles`, `claims`, `stepUp`): every check in order, in plain words,
   * naming the option or claim that would change the outcome. With an issuer resolver, `issuer`
   * names an opaque token's issuer. A DPoP proof or client certificate needs a request: the report
   * says when one is needed, and that it cannot check it. Fetches metadata and keys like a request
   * would; caches no verdict, revokes nothing, emits no accepted or rejected event, and never
   * includes the token.
   */
  explain(token: string, options?: ExplainOptions): Promise<ExplainReport>
  /**
   * Revokes a token on every instance sharing the store; sensitive routes refuse it once this
   * resolves. Takes the token as presented, the `AuthContext` of a request (logout:
   * `tokens.revoke(req.auth)`), or a JWT's `{ jti, iss, exp }`. A token's claims count only once
   * it verifies (signature and trusted issuer; an expired token may be revoked): then its
   * fingerprint and `jti` are revoked until its `exp`. A token that does not verify (or an opaque
   * one) is revoked by fingerprint for `denylist.revocationTtl`. `{ jti, iss, exp }` needs a trusted
   * `iss` and lives at most `denylist.maxRevocationLifetime`. An opaque token is also dropped from
   * every introspection cache. Rejects with a `TypeError` for any other argument, and with the
   * `UnavailableError` when the key set cannot be loaded to verify the token (nothing is recorded).
   *
   * @example
   * app.post('/logout', requireToken(tokens), async (req, res) => {
   *   await tokens.revoke(req.auth)
   *   res.status(204).end()
   * })
   */
  revoke(target: RevokeTarget): Promise<void>
  /** Refuses, on sensitive routes, every token of `sub` issued before `issuedBefore` (default now). */
  revokeSubject(subject: string, options?: RevokeSubjectOptions): Promise<void>
  /** Resolves once the key sets (and, with a store, the denylist mirror) are loaded. */
  ready(): Promise<void>
  /** Releases timers and connections. */
  close(): Promise<void>
}

export function isValidator(value: unknown): value is Validator {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[VALIDATOR] === true
}
