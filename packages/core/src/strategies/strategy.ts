import { InvalidTokenError } from '../errors.js'
import { checkTokenSyntax } from '../extract.js'
import { inspectToken, type InspectedToken } from '../jws/decode.js'
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
  /** Also introspect a JWT after it verified (sensitive routes of servers that can). */
  introspect: ((token: string) => Promise<unknown>) | undefined
}

/**
 * One request's token check, compiled for one route: no strategy name is looked at per request.
 * May answer synchronously (a cache hit) or throw synchronously: callers await only a promise.
 */
export type VerifyToken = (token: string) => Verified | Promise<Verified>

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
    await introspect(token)
    return verified
  }
}
