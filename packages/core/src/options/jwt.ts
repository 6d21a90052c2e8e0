import type { Jwk as JWK } from '../jwk.js'
import { checkEndpoint } from '../url-rules.js'
import { DEFAULTS } from './defaults.js'
import { checkJwkSet, type CheckedJwkSet } from './jwks.js'
import {
  ASYMMETRIC_ALGORITHMS,
  SYMMETRIC_ALGORITHMS,
  hmacKeyLength,
  optionalString,
  positiveNumber,
  wholeNumber,
  seconds,
  secretBytes,
  stringList,
} from './values.js'

/** Options of the JWT strategy (RFC 9068 access tokens, RFC 8725 practices). */
export interface JwtOptions {
  /** Accepted `alg` values; required. `none` is never accepted; HS* only together with `secret`. */
  algorithms: readonly string[]
  /** Key set URL; default: `jwks_uri` from each issuer's metadata (RFC 8414, then OIDC discovery). */
  jwksUri?: string
  /** A local key set (public JWKs) instead of a remote one. */
  jwks?: { keys: JWK[] }
  /** Shared secret for HS256/384/512. Never mixed with asymmetric algorithms. */
  secret?: string | Uint8Array
  /**
   * Leeway for `exp`, `nbf` and `iat`, in seconds. Default 5.
   * @deprecated Use the validator's top-level `clockTolerance` (shared with introspection); giving
   * both with different values is a `TypeError`.
   */
  clockTolerance?: number
  /** Required `typ` header for every issuer (RFC 9068 §2.1); `false` accepts any. Default: each issuer profile's (`at+jwt` under `rfc9068`). */
  typ?: string | false
  /** Claims that must be present besides those the issuer's profile requires (RFC 9068 §2.2 under `rfc9068`). */
  requiredClaims?: readonly string[]
  /** Largest accepted age (now - `iat`), in seconds; makes `iat` required. */
  maxTokenAge?: number
  /** Remote key set tuning. */
  keySet?: {
    /** How long a fetched key set is used before it is fetched again, in seconds. Default 600. */
    cacheMaxAge?: number
    /** Least time between refetches caused by an unknown `kid`, in seconds. Default 30. */
    cooldown?: number
    /** How long past `cacheMaxAge` the last good set may serve while fetches fail, in seconds. Default 3600. */
    staleIfError?: number
    /** Deadline of one fetch, in milliseconds. Default 3000. */
    timeout?: number
    /** Largest key set response, in bytes. Default 262144. */
    maxResponseBytes?: number
  }
  /** Cache of verified tokens (a repeated token skips the signature check); `false` turns it off. */
  cache?: { max?: number } | false
}

/** `jwt.keySet` resolved: what every remote key set runs on (durations in ms). */
export interface ResolvedKeySetOptions {
  cacheMaxAgeMs: number
  cooldownMs: number
  staleIfErrorMs: number
  timeoutMs: number
  maxResponseBytes: number
  /** A response with more keys is refused as a whole (not an option: a bound on fetched data). */
  maxKeys: number
}

export interface ResolvedJwtOptions {
  algorithms: string[]
  jwksUri: string | undefined
  jwks: CheckedJwkSet | undefined
  secret: Uint8Array | undefined
  /** The validator's one clock tolerance (top-level `clockTolerance`, or its deprecated alias here). */
  clockToleranceMs: number
  typ: string | false
  requiredClaims: string[]
  maxTokenAgeMs: number | undefined
  keySet: ResolvedKeySetOptions
  cacheMax: number
}

/** `jwt`; `clockToleranceMs` is the validator's, resolved with its deprecated `jwt.clockTolerance` alias. */
export function resolveJwt(
  jwt: JwtOptions,
  allowInsecure: boolean,
  clockToleranceMs: number,
): ResolvedJwtOptions {
  if (jwt === null || typeof jwt !== 'object') throw new TypeError('createValidator: `jwt` must be an object')
  const algorithms = stringList(jwt.algorithms, 'jwt.algorithms')
  const symmetric = algorithms.filter((alg) => SYMMETRIC_ALGORITHMS.has(alg))
  for (const alg of algorithms) {
    if (!ASYMMETRIC_ALGORITHMS.has(alg) && !SYMMETRIC_ALGORITHMS.has(alg)) {
      throw new TypeError(`createValidator: \`jwt.algorithms\` holds unsupported algorithm "${alg}"`)
    }
  }
  const secret =
    jwt.secret === undefined ? undefined : secretBytes(jwt.secret, 'jwt.secret', hmacKeyLength(symmetric))
  // RFC 8725 §3.1-3.2: a secret and public keys side by side is how key confusion starts.
  if (symmetric.length > 0 && symmetric.length !== algorithms.length) {
    throw new TypeError('createValidator: `jwt.algorithms` must not mix HS* with asymmetric algorithms')
  }
  if (symmetric.length > 0 && secret === undefined) {
    throw new TypeError('createValidator: HS* in `jwt.algorithms` needs `jwt.secret`')
  }
  if (secret !== undefined && symmetric.length === 0) {
    throw new TypeError('createValidator: `jwt.secret` is only for HS256/HS384/HS512 algorithms')
  }
  if (jwt.jwks !== undefined && jwt.jwksUri !== undefined) {
    throw new TypeError('createValidator: give `jwt.jwks` or `jwt.jwksUri`, not both')
  }
  if (secret !== undefined && (jwt.jwks !== undefined || jwt.jwksUri !== undefined)) {
    throw new TypeError('createValidator: `jwt.secret` cannot be combined with `jwt.jwks` or `jwt.jwksUri`')
  }
  const typ = jwt.typ === false ? false : (optionalString(jwt.typ, 'jwt.typ') ?? 'at+jwt')
  const cache = jwt.cache
  if (cache !== undefined && cache !== false && (cache === null || typeof cache !== 'object')) {
    throw new TypeError('createValidator: `jwt.cache` must be `{ max }` or false')
  }
  return {
    algorithms,
    jwksUri: jwt.jwksUri === undefined ? undefined : checkEndpoint(jwt.jwksUri, 'jwt.jwksUri', allowInsecure),
    jwks: jwt.jwks === undefined ? undefined : checkJwkSet(jwt.jwks, 'jwt.jwks', 'createValidator'),
    secret,
    clockToleranceMs,
    typ,
    requiredClaims:
      jwt.requiredClaims === undefined ? [] : stringList(jwt.requiredClaims, 'jwt.requiredClaims', true),
    maxTokenAgeMs: jwt.maxTokenAge === undefined ? undefined : seconds(jwt.maxTokenAge, 'jwt.maxTokenAge', 0),
    keySet: resolveKeySet(jwt.keySet),
    cacheMax: cache === false ? 0 : wholeNumber(cache?.max, 'jwt.cache.max', DEFAULTS.jwt.cacheMax),
  }
}

/**
 * `jwt.keySet` (seconds, bytes) resolved to what a remote key set runs on. Also the defaults of a
 * key set that takes no tuning (the SET receiver's transmitter keys): `resolveKeySet(undefined)`.
 */
export function resolveKeySet(keySet: JwtOptions['keySet']): ResolvedKeySetOptions {
  if (keySet !== undefined && (keySet === null || typeof keySet !== 'object')) {
    throw new TypeError('createValidator: `jwt.keySet` must be an object')
  }
  const given = keySet ?? {}
  const defaults = DEFAULTS.jwt.keySet
  return {
    // A zero lifetime would refetch on every token: the key set endpoint would see our traffic.
    cacheMaxAgeMs: seconds(given.cacheMaxAge, 'jwt.keySet.cacheMaxAge', defaults.cacheMaxAge, true),
    cooldownMs: seconds(given.cooldown, 'jwt.keySet.cooldown', defaults.cooldown),
    staleIfErrorMs: seconds(given.staleIfError, 'jwt.keySet.staleIfError', defaults.staleIfError),
    timeoutMs: positiveNumber(given.timeout, 'jwt.keySet.timeout', defaults.timeoutMs, true),
    maxResponseBytes: wholeNumber(
      given.maxResponseBytes,
      'jwt.keySet.maxResponseBytes',
      defaults.maxResponseBytes,
      true,
    ),
    maxKeys: defaults.maxKeys,
  }
}
