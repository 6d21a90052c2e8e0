import type { ChallengeContext } from './errors.js'
import type { AuthContext, DeepReadonly, RouteOptions, TokenClaims } from './types.js'

/**
 * Types an app declares once for every adapter (the pattern of `@fastify/jwt`'s `FastifyJWT`).
 * Augment it to type the claims that `req.auth`, `ctx.state.auth` and `request.auth` carry:
 *
 * @example
 * declare module '@tokenguard/core' {
 *   interface TokenguardTypes {
 *     claims: TokenClaims & { tenant: string }
 *   }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TokenguardTypes {}

/** The claims type of the app: `TokenguardTypes['claims']` when declared, `TokenClaims` otherwise. */
export type Claims = TokenguardTypes extends { claims: infer C extends TokenClaims } ? C : TokenClaims

/** `respond` (default): the adapter answers token errors itself; `next`: the framework's error handling gets the `TokenError`. */
export type ErrorMode = 'respond' | 'next'

/** Route options as every adapter takes them: core's, plus where token errors go. */
export interface AdapterRouteOptions extends RouteOptions {
  /** `respond` (default): answer token errors here (RFC 6750 status, header, JSON). `next`: hand them to the framework. */
  errors?: ErrorMode
}

/**
 * What `requireToken` hands the guards after it on one request, as plain data: where errors go
 * and the challenge a refusal is answered under (the validator's that took the token, or the one a
 * request without a token gets). A guard bound with `guardsFor` carries its own.
 */
export interface RequestState {
  readonly errors: ErrorMode
  readonly challenge: ChallengeContext | undefined
}

/** A check of your own over the claims (`requireClaims`): it sees them read-only, as they are frozen. */
export type ClaimsCheck<C extends TokenClaims = Claims> = (
  claims: DeepReadonly<C>,
  auth: AuthContext<C>,
) => boolean
