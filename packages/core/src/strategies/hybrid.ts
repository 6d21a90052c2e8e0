import type { JwtStrategy } from './jwt.js'
import {
  hasTwoDots,
  inspect,
  withIntrospection,
  type OpaqueVerifier,
  type TokenStrategy,
} from './strategy.js'

/**
 * DESIGN "hybrid": a token of JWS compact shape goes the JWT way, anything else the opaque way.
 * A token the JWT cache already verified is answered before any parsing; a two-dot string whose
 * header is not a JWS header is an opaque token like any other. A JWT's issuer is its own `iss`;
 * only an opaque token is sent to the issuer its request names (`issuer.fromRequest`).
 */
export function createHybridStrategy(jwt: JwtStrategy, opaque: OpaqueVerifier): TokenStrategy {
  return {
    forRoute(policy) {
      const finish = withIntrospection(policy.introspect)
      return async (token, source) => {
        const peeked = hasTwoDots(token) ? jwt.peek(token) : undefined
        if (peeked?.hit !== undefined) return finish(token, peeked.hit)
        const inspected = inspect(token)
        if (inspected.jws === undefined)
          return opaque.verifyInspected(token, inspected, policy.cacheMaxAgeMs, source)
        return finish(token, await jwt.verifyInspected(token, inspected, peeked?.cacheKey))
      }
    },
  }
}
