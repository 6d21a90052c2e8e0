import type { Jwk as JWK } from './jwk.js'
import type { Dispatcher } from 'undici'
import type { EventListener } from './events.js'
import { resolveIssuers, type IssuerInput } from './profiles/resolve.js'
import type { ProfileName, ProfileOptions, ResolvedProfile } from './profiles/types.js'
import {
  checkStore,
  resolveDenylistBehaviour,
  type DenylistBehaviour,
  type ResolvedDenylistBehaviour,
} from './denylist/denylist-options.js'
import type { Store } from './store/store.js'
import { DEFAULT_DPOP_ALGORITHMS } from './dpop/algorithms.js'
import { checkEndpoint, checkIssuer, checkResourceUrl, checkUrl } from './url-rules.js'

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
  /** Leeway for `exp`, `nbf` and `iat`, in seconds. Default 5. */
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

/** Options of the RFC 7662 introspection strategy. */
export interface IntrospectionOptions {
  /** Default: `introspection_endpoint` from the issuer's metadata (one issuer only). */
  endpoint?: string
  clientId: string
  clientSecret: string
  /** Default `client_secret_basic`. */
  clientAuth?: 'client_secret_basic' | 'client_secret_post'
  /** Deadline of one introspection call, in milliseconds. Default 3000. */
  timeout?: number
  /** Longest an active result is cached, in seconds (never beyond the token's `exp`). Default 300. */
  cacheMaxAge?: number
  /** How long an inactive result is cached, in seconds. Default 10. */
  inactiveCacheMaxAge?: number
  /** Cache lifetime of active results that carry no `exp`, in seconds. Default 30. */
  defaultCacheMaxAge?: number
  /** Most cached results. Default 10000. */
  cacheMax?: number
  /** Largest introspection response, in bytes. Default 65536. */
  maxResponseBytes?: number
  /** Reject active responses that carry no `aud`. Default false (checked when present). */
  requireAudience?: boolean
}

export interface DpopOptions {
  /** Accepted proof algorithms. Default ES256, Ed25519, EdDSA, PS256, RS256. */
  algorithms?: readonly string[]
  /** Refuse bearer tokens altogether: every token must come with a proof. Default false. */
  required?: boolean
  /** Oldest accepted proof (`iat`), in seconds. Default 60. */
  maxAge?: number
  /** Require server nonces (RFC 9449 §8); give one secret to every instance of a fleet. */
  nonce?: { secret?: string | Uint8Array; lifetime?: number }
  /** The API's public origin, the trusted base of `htu` (`https://api.example.com`). */
  origin?: string
  /** Without `origin`: the hosts the API answers for (the Host header must be one). */
  allowedHosts?: readonly string[]
  /** Honour `X-Forwarded-Proto`/`X-Forwarded-Host` (only behind a proxy you run). Default false. */
  trustProxy?: boolean
}

export interface ValidatorOptions {
  /**
  /**
   * Trusted issuer, or an allowlist of them. A token's `iss` only selects among these. Each is an
   * https URL without query, fragment or userinfo (RFC 8414 §2); http only for loopback hosts. An
   * entry may be `{ url, profile?, audience? }` to give that issuer its own provider profile or
   * audience.
   */
  issuer: IssuerInput | readonly IssuerInput[]
  /**
   * Accept http issuer, key set and introspection URLs on hosts other than loopback ones: their
   * answers (keys, verdicts) can then be forged by anyone on the path. Default false.
   */
  allowInsecureIssuer?: boolean
  /**
   * How tokens of issuers that name no profile look: `rfc9068` (default: `typ: at+jwt`, and `sub`,
   * `client_id`, `iat`, `jti` required), `auth0`, `okta`, `entra`, `keycloak`, `cognito`, `hydra`,
   * `zitadel`, or `{ extends?, ...fields }` to adjust one (e.g. relax `requiredClaims`).
   */
  profile?: ProfileName | ProfileOptions
  /** This API's identifier(s); a token must be meant for one of them. */
  audience: string | readonly string[]
  /** `realm` of the `WWW-Authenticate` challenge. Default: the first audience. */
  realm?: string
  jwt?: JwtOptions
  introspection?: IntrospectionOptions
  /** Accept `access_token` in a form-encoded body (RFC 6750 §2.2). Default false. */
  allowBodyToken?: boolean
  /** Accept `access_token` in the query (RFC 6750 §2.3; leaks into logs). Default false. */
  allowQueryToken?: boolean
  /** Longest accepted token, in characters. Default 8192. */
  maxTokenLength?: number
  /** Where the denylist (and a fleet's shared introspection cache) lives. Default: a `MemoryStore` of this validator. */
  store?: Store
  /** Denylist behaviour on sensitive routes (durations in seconds). */
  denylist?: DenylistBehaviour
  /** DPoP (RFC 9449): sender-constrained tokens presented with the `DPoP` scheme and a proof. */
  dpop?: DpopOptions
  /** Mutual-TLS bound tokens (RFC 8705): `cnf["x5t#S256"]` is compared with the client certificate. */
  mtls?: {
    /** A header set by a TLS terminator you run, carrying the client certificate (RFC 9440 `Client-Cert`, or URL-encoded PEM). */
    certificateHeader?: string
  }
  /** URL of this resource's metadata (RFC 9728 §3), named in every challenge as `resource_metadata`: https, no fragment. */
  resourceMetadata?: string
  /** Claim holding scopes (`permissions`, …); default `scope`, then `scp`. */
  scopeClaim?: string
  /** Receives every decision and network call; never the token. */
  onEvent?: EventListener
  /** Clock in milliseconds (a test seam). Default `Date.now`. */
  now?: () => number
  /** undici dispatcher for discovery, JWKS and introspection. Default: a shared keep-alive pool. */
  dispatcher?: Dispatcher
}

const ASYMMETRIC_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
])
const SYMMETRIC_ALGORITHMS = new Set(['HS256', 'HS384', 'HS512'])

export interface ResolvedJwtOptions {
  algorithms: string[]
  jwksUri: string | undefined
  jwks: { keys: JWK[] } | undefined
  secret: Uint8Array | undefined
  clockTolerance: number
  typ: string | false
  requiredClaims: string[]
  maxTokenAge: number | undefined
  keySet: {
    cacheMaxAge: number
    cooldown: number
    staleIfError: number
    timeout: number
    maxResponseBytes: number
  }
  cacheMax: number
}

export interface ResolvedIntrospectionOptions {
  endpoint: string | undefined
  clientId: string
  clientSecret: string
  clientAuth: 'client_secret_basic' | 'client_secret_post'
  timeout: number
  cacheMaxAge: number
  inactiveCacheMaxAge: number
  defaultCacheMaxAge: number
  cacheMax: number
  maxResponseBytes: number
  requireAudience: boolean
}

export interface ResolvedDpopOptions {
  algorithms: string[]
  required: boolean
  maxAge: number
  nonce: { secret: Uint8Array | undefined; lifetime: number } | undefined
  origin: string | undefined
  allowedHosts: string[] | undefined
  trustProxy: boolean
}

export interface ResolvedOptions {
  dpop: ResolvedDpopOptions | undefined
  mtls: { certificateHeader: string | undefined }
  resourceMetadata: string | undefined
  store: Store | undefined
  denylist: ResolvedDenylistBehaviour
  issuers: string[]
  /** Each issuer's complete profile, by issuer URL. */
  profiles: ReadonlyMap<string, ResolvedProfile>
  audiences: string[]
  realm: string
  jwt: ResolvedJwtOptions | undefined
  introspection: ResolvedIntrospectionOptions | undefined
  allowBodyToken: boolean
  allowQueryToken: boolean
  maxTokenLength: number
  scopeClaim: string | undefined
  onEvent: EventListener | undefined
  now: () => number
  dispatcher: Dispatcher | undefined
}

/** The one place options are checked and defaulted; a bad option is a `TypeError` naming it. */
export function resolveOptions(options: ValidatorOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object')
    throw new TypeError('createValidator: options must be an object')
  const allowInsecure = optionalBoolean(options.allowInsecureIssuer, 'allowInsecureIssuer') ?? false
  const audiences = stringList(options.audience, 'audience')
  const { urls: issuers, profiles } = resolveIssuers({
    issuer: options.issuer,
    checkUrl: (issuer, name) => checkIssuer(issuer, allowInsecure, name),
    audiences,
    profile: options.profile,
    jwtTyp: (options.jwt as JwtOptions | undefined)?.typ,
    scopeClaim: optionalString(options.scopeClaim, 'scopeClaim'),
    discoversIntrospection:
      options.introspection !== undefined &&
      (options.introspection as IntrospectionOptions)?.endpoint === undefined,
  })
  if (options.jwt === undefined && options.introspection === undefined) {
    throw new TypeError('createValidator: give `jwt`, `introspection`, or both')
  }
  return {
    issuers,
    profiles,
    audiences,
    realm: optionalString(options.realm, 'realm') ?? audiences[0]!,
    jwt: options.jwt === undefined ? undefined : resolveJwt(options.jwt, allowInsecure),
    introspection:
      options.introspection === undefined
        ? undefined
        : resolveIntrospection(options.introspection, issuers, allowInsecure),
    allowBodyToken: optionalBoolean(options.allowBodyToken, 'allowBodyToken') ?? false,
    allowQueryToken: optionalBoolean(options.allowQueryToken, 'allowQueryToken') ?? false,
    maxTokenLength: positiveNumber(options.maxTokenLength, 'maxTokenLength', 8192, true),
    scopeClaim: optionalString(options.scopeClaim, 'scopeClaim'),
    store: checkStore(options.store),
    dpop: options.dpop === undefined ? undefined : resolveDpop(options.dpop),
    mtls: {
      certificateHeader: optionalString(
        options.mtls?.certificateHeader,
        'mtls.certificateHeader',
      )?.toLowerCase(),
    },
    resourceMetadata:
      options.resourceMetadata === undefined
        ? undefined
        : checkResourceUrl(options.resourceMetadata, 'resourceMetadata', allowInsecure),
    denylist: resolveDenylistBehaviour(options.denylist),
    onEvent: optionalFunction(options.onEvent, 'onEvent') as EventListener | undefined,
    now: (optionalFunction(options.now, 'now') as (() => number) | undefined) ?? Date.now,
    dispatcher: options.dispatcher,
  }
}

function resolveJwt(jwt: JwtOptions, allowInsecure: boolean): ResolvedJwtOptions {
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
  if (
    jwt.jwks !== undefined &&
    (jwt.jwks === null || typeof jwt.jwks !== 'object' || !Array.isArray(jwt.jwks.keys))
  ) {
    throw new TypeError('createValidator: `jwt.jwks` must be a JWK set `{ keys: [...] }`')
  }
  const typ = jwt.typ === false ? false : (optionalString(jwt.typ, 'jwt.typ') ?? 'at+jwt')
  const keySet = jwt.keySet ?? {}
  const cache = jwt.cache
  if (cache !== undefined && cache !== false && (cache === null || typeof cache !== 'object')) {
    throw new TypeError('createValidator: `jwt.cache` must be `{ max }` or false')
  }
  return {
    algorithms,
    jwksUri: jwt.jwksUri === undefined ? undefined : checkEndpoint(jwt.jwksUri, 'jwt.jwksUri', allowInsecure),
    jwks: jwt.jwks,
    secret,
    clockTolerance: positiveNumber(jwt.clockTolerance, 'jwt.clockTolerance', 5),
    typ,
    requiredClaims:
      jwt.requiredClaims === undefined ? [] : stringList(jwt.requiredClaims, 'jwt.requiredClaims', true),
    maxTokenAge:
      jwt.maxTokenAge === undefined ? undefined : positiveNumber(jwt.maxTokenAge, 'jwt.maxTokenAge', 0),
    keySet: {
      cacheMaxAge: positiveNumber(keySet.cacheMaxAge, 'jwt.keySet.cacheMaxAge', 600) * 1000,
      cooldown: positiveNumber(keySet.cooldown, 'jwt.keySet.cooldown', 30) * 1000,
      staleIfError: positiveNumber(keySet.staleIfError, 'jwt.keySet.staleIfError', 3600) * 1000,
      timeout: positiveNumber(keySet.timeout, 'jwt.keySet.timeout', 3000, true),
      maxResponseBytes: positiveNumber(keySet.maxResponseBytes, 'jwt.keySet.maxResponseBytes', 262_144, true),
    },
    cacheMax: cache === false ? 0 : positiveNumber(cache?.max, 'jwt.cache.max', 10_000),
  }
}

function resolveIntrospection(
  options: IntrospectionOptions,
  issuers: string[],
  allowInsecure: boolean,
): ResolvedIntrospectionOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('createValidator: `introspection` must be an object')
  }
  const endpoint =
    options.endpoint === undefined
      ? undefined
      : checkEndpoint(options.endpoint, 'introspection.endpoint', allowInsecure)
  if (endpoint === undefined && issuers.length > 1) {
    throw new TypeError(
      'createValidator: `introspection.endpoint` is required when several issuers are trusted',
    )
  }
  const clientAuth = options.clientAuth ?? 'client_secret_basic'
  if (clientAuth !== 'client_secret_basic' && clientAuth !== 'client_secret_post') {
    throw new TypeError(
      'createValidator: `introspection.clientAuth` must be client_secret_basic or client_secret_post',
    )
  }
  return {
    endpoint,
    clientId: requiredString(options.clientId, 'introspection.clientId'),
    clientSecret: requiredString(options.clientSecret, 'introspection.clientSecret'),
    clientAuth,
    timeout: positiveNumber(options.timeout, 'introspection.timeout', 3000, true),
    cacheMaxAge: positiveNumber(options.cacheMaxAge, 'introspection.cacheMaxAge', 300),
    inactiveCacheMaxAge: positiveNumber(options.inactiveCacheMaxAge, 'introspection.inactiveCacheMaxAge', 10),
    defaultCacheMaxAge: positiveNumber(options.defaultCacheMaxAge, 'introspection.defaultCacheMaxAge', 30),
    cacheMax: positiveNumber(options.cacheMax, 'introspection.cacheMax', 10_000),
    maxResponseBytes: positiveNumber(
      options.maxResponseBytes,
      'introspection.maxResponseBytes',
      65_536,
      true,
    ),
    requireAudience: optionalBoolean(options.requireAudience, 'introspection.requireAudience') ?? false,
  }
}

function resolveDpop(dpop: DpopOptions): ResolvedDpopOptions {
  if (dpop === null || typeof dpop !== 'object')
    throw new TypeError('createValidator: `dpop` must be an object')
  const algorithms =
    dpop.algorithms === undefined ? DEFAULT_DPOP_ALGORITHMS : stringList(dpop.algorithms, 'dpop.algorithms')
  for (const alg of algorithms) {
    // RFC 9449 §4.2: the proof is signed with an asymmetric key, never a shared secret.
    if (!ASYMMETRIC_ALGORITHMS.has(alg))
      throw new TypeError(`createValidator: \`dpop.algorithms\` holds "${alg}"`)
  }
  const origin = dpop.origin === undefined ? undefined : checkUrl(dpop.origin, 'dpop.origin')
  const allowedHosts =
    dpop.allowedHosts === undefined
      ? undefined
      : stringList(dpop.allowedHosts, 'dpop.allowedHosts').map((host) => host.toLowerCase())
  if (origin === undefined && allowedHosts === undefined) {
    throw new TypeError(
      'createValidator: `dpop` needs `origin` or `allowedHosts` to know which URIs proofs may name',
    )
  }
  const nonce = dpop.nonce
  if (nonce !== undefined && (nonce === null || typeof nonce !== 'object')) {
    throw new TypeError('createValidator: `dpop.nonce` must be an object')
  }
  return {
    algorithms: [...algorithms],
    required: optionalBoolean(dpop.required, 'dpop.required') ?? false,
    maxAge: positiveNumber(dpop.maxAge, 'dpop.maxAge', 60, true),
    nonce:
      nonce === undefined
        ? undefined
        : {
            secret: nonce.secret === undefined ? undefined : secretBytes(nonce.secret, 'dpop.nonce.secret'),
            lifetime: positiveNumber(nonce.lifetime, 'dpop.nonce.lifetime', 300, true),
          },
    origin,
    allowedHosts,
    trustProxy: optionalBoolean(dpop.trustProxy, 'dpop.trustProxy') ?? false,
  }
}

function stringList(value: unknown, name: string, allowEmpty = false): string[] {
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || (!allowEmpty && list.length === 0)) {
    throw new TypeError(`createValidator: \`${name}\` must be a non-empty string or list of strings`)
  }
  for (const item of list) {
    if (typeof item !== 'string' || item.length === 0) {
      throw new TypeError(`createValidator: \`${name}\` must hold non-empty strings only`)
    }
  }
  return [...(list as string[])]
}

function requiredString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`createValidator: \`${name}\` must be a non-empty string`)
  }
  return value
}

function optionalString(value: unknown, name: string): string | undefined {
  return value === undefined ? undefined : requiredString(value, name)
}

function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean')
    throw new TypeError(`createValidator: \`${name}\` must be a boolean`)
  return value
}

function optionalFunction(value: unknown, name: string): unknown {
  if (value !== undefined && typeof value !== 'function')
    throw new TypeError(`createValidator: \`${name}\` must be a function`)
  return value
}

/** A finite number ≥ 0 (> 0 with `strictlyPositive`), or the default when undefined. */
export function positiveNumber(
  value: unknown,
  name: string,
  fallback: number,
  strictlyPositive = false,
): number {
  if (value === undefined) return fallback
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (strictlyPositive && value === 0)
  ) {
    throw new TypeError(
      `createValidator: \`${name}\` must be a ${strictlyPositive ? 'positive' : 'non-negative'} number`,
    )
  }
  return value
}

/** RFC 7518 §3.2: an HMAC key at least as long as the hash output; the longest listed hash decides. */
function hmacKeyLength(algorithms: readonly string[]): number {
  return Math.max(32, ...algorithms.map((alg) => Number(alg.slice(2)) / 8))
}

function secretBytes(secret: string | Uint8Array, name: string, minimum = 32): Uint8Array {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`createValidator: \`${name}\` must be a string or Uint8Array`)
  if (bytes.length < minimum) {
    throw new TypeError(`createValidator: \`${name}\` must be at least ${minimum} bytes`)
  }
  return bytes
}
