import type { Jwk as JWK } from '../jwk.js'
import { jwkProblem } from '../keys/jwk-rules.js'

/**
 * A JWK set given in configuration (`jwt.jwks`, `transmitter.jwks`, an issuer resolver's `jwks`),
 * checked once where it enters, so a misconfiguration fails at startup rather than on a request.
 * A set fetched from a `jwks_uri` is data, not configuration: keys/jwks-response.ts parses it.
 */

declare const checked: unique symbol

/** A JWK set that passed `checkJwkSet`: an object whose `keys` are all public verification keys. */
export type CheckedJwkSet = { readonly keys: JWK[] } & { readonly [checked]: true }

/**
 * Checks a configured JWK set. `caller` (e.g. `createValidator`) prefixes the shape error the way
 * other option errors are; without it the message starts with `name`, as for a resolver's result.
 */
export function checkJwkSet(value: unknown, name: string, caller?: string): CheckedJwkSet {
  const keys = value !== null && typeof value === 'object' ? (value as { keys?: unknown }).keys : undefined
  if (Array.isArray(value) || !Array.isArray(keys)) {
    throw new TypeError(
      caller === undefined
        ? `${name} must be a JWK set: an object with a "keys" array`
        : `${caller}: \`${name}\` must be a JWK set \`{ keys: [...] }\``,
    )
  }
  keys.forEach((jwk: unknown, index) => {
    const problem = jwkProblem(jwk)
    if (problem !== undefined) throw new TypeError(`${name}.keys[${index}] ${problem}`)
  })
  return value as CheckedJwkSet
}
