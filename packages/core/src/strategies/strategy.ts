import { InvalidTokenError } from '../errors.js'
import { checkTokenSyntax } from '../extract.js'
import { inspectToken, type InspectedToken } from '../jws/decode.js'
import type { RequestLike } from '../request.js'
import type { AuthContext } from '../types.js'

/** A strategy's verdict: the context, and whether a cache answered (for the `accepted` event). */
export interface Verified {
  context: AuthContext
  cached: boolean
}

/** What a route asks of its strategy, resolved once when the route is built. */
export interface RoutePolicy {
  /** Oldest cached introspection answer this route takes, in ms; undefined: the validator's own bound. */
  cacheMaxAgeMs: number | undefined
  /** Also introspect a JWT after it verified (sensitive routes of servers that can), at its issuer's server. */
  introspect: ((token: string, context: AuthContext) => Promise<unknown>) | undefined
}

/**
 * Where a token came from, for what the token cannot say itself: an opaque token names no issuer,
 * so with an issuer resolver the request (`issuer.fromRequest`) or the caller (`verify`) does.
 */
export interface TokenSource {
  request?: RequestLike
  /** The issuer a direct `verify(token, { issuer })` names. */
  issuer?: string
}

/**
 * One request's token check, compiled for one route: no strategy name is looked at per request.
 * May answer synchronously (a cache hit) or throw synchronously: callers await only a promise.
 */
export type VerifyToken = (token: string, source?: TokenSource) => Verified | Promise<Verified>

/** What hybrid routes, the denylist and revocation need of the opaque strategy (one server or one per issuer). */
export interface OpaqueVerifier extends TokenStrategy {
  /** A token already inspected (hybrid routes). */
  verifyInspected(
    token: string,
    inspected: InspectedToken,
    maxAgeMs: number | undefined,
    source?: TokenSource,
  ): Promise<Verified>
  /** The auth context of an active, acceptable token (`issuer`: whose server to ask, with a resolver). */
  verify(token: string, options?: { maxAgeMs?: number; issuer?: string }): Promise<AuthContext>
  /** Forgets cached answers by `tokenFingerprint(token)` (`shared: false` leaves the fleet's tier). */
  evictFingerprint(fingerprint: string, options?: { shared?: boolean }): void
  evict(token: string): void
  clear(): void
}

/**
 * How a route validates its tokens (`jwt`, `opaque`, `hybrid`). A strategy compiles its check for
 * a route once (`forRoute`); the validator runs the result on every request of that route.
 * To add one: implement this, give it a name in `Strategy` (types.ts) and build it in
 * `createStrategies` (strategies/index.ts).
 */
export interface TokenStrategy {
  forRoute(policy: RoutePolicy): VerifyToken
}

/**
 * RFC 6750 §2.1 syntax, then the token's shape: the one parse of its header on a cold request
 * (its split form travels on to the JWS kernel). A JWE is refused here: we decrypt nothing.
 */
export function inspect(token: string): InspectedToken {
  checkTokenSyntax(token)
  const inspected = inspectToken(token)
  if (inspected.shape === 'jwe') throw new InvalidTokenError({ reason: 'encrypted_token' })
  return inspected
}

/** The cheapest test for JWS compact shape, run before any hashing on hybrid routes. */
export function hasTwoDots(token: string): boolean {
  const first = token.indexOf('.')
  if (first === -1) return false
  const second = token.indexOf('.', first + 1)
  return second !== -1 && token.indexOf('.', second + 1) === -1
}

/** Runs the route's JWT introspection after a JWT verified, when the route asks for it. */
export function withIntrospection(
  introspect: RoutePolicy['introspect'],
): (token: string, verified: Verified) => Verified | Promise<Verified> {
  if (introspect === undefined) return (_token, verified) => verified
  return async (token, verified) => {
    await introspect(token, verified.context)
    return verified
  }
}
