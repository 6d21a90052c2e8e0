import { checkEndpoint } from '../url-rules.js'
import { DEFAULTS } from './defaults.js'
import { optionalBoolean, positiveNumber, wholeNumber, requiredString, seconds } from './values.js'

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

/**
 * `introspection` beside an issuer resolver: the bounds every issuer shares and, optionally, the
 * credentials of issuers whose config gives none. Each issuer has its own endpoint.
 */
export interface ResolverIntrospectionOptions extends Omit<
  IntrospectionOptions,
  'endpoint' | 'clientId' | 'clientSecret'
> {
  /** Not here: each issuer's config names its own (`introspection.endpoint`), or it is discovered. */
  endpoint?: never
  clientId?: string
  clientSecret?: string
}

export interface ResolvedIntrospectionOptions {
  endpoint: string | undefined
  /** `''` only with an issuer resolver and no default credentials (each issuer then gives its own). */
  clientId: string
  clientSecret: string
  clientAuth: 'client_secret_basic' | 'client_secret_post'
  timeoutMs: number
  cacheMaxAgeMs: number
  inactiveCacheMaxAgeMs: number
  defaultCacheMaxAgeMs: number
  cacheMax: number
  maxResponseBytes: number
  requireAudience: boolean
}

export function resolveIntrospection(
  options: IntrospectionOptions | ResolverIntrospectionOptions,
  issuers: string[],
  allowInsecure: boolean,
  dynamic = false,
): ResolvedIntrospectionOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('createValidator: `introspection` must be an object')
  }
  if (dynamic && options.endpoint !== undefined) {
    throw new TypeError(
      'createValidator: with an issuer resolver, give each issuer its `introspection.endpoint` (or let it be discovered), not `introspection.endpoint`',
    )
  }
  // With a resolver the credentials are only defaults: both or neither.
  const credentials = !dynamic || options.clientId !== undefined || options.clientSecret !== undefined
  const endpoint =
    options.endpoint === undefined
      ? undefined
      : checkEndpoint(options.endpoint, 'introspection.endpoint', allowInsecure)
  if (endpoint === undefined && issuers.length > 1) {
    throw new TypeError(
      'createValidator: `introspection.endpoint` is required when several issuers are trusted',
    )
  }
  const defaults = DEFAULTS.introspection
  const clientAuth = options.clientAuth ?? 'client_secret_basic'
  if (clientAuth !== 'client_secret_basic' && clientAuth !== 'client_secret_post') {
    throw new TypeError(
      'createValidator: `introspection.clientAuth` must be client_secret_basic or client_secret_post',
    )
  }
  return {
    endpoint,
    clientId: credentials ? requiredString(options.clientId, 'introspection.clientId') : '',
    clientSecret: credentials ? requiredString(options.clientSecret, 'introspection.clientSecret') : '',
    clientAuth,
    timeoutMs: positiveNumber(options.timeout, 'introspection.timeout', defaults.timeoutMs, true),
    cacheMaxAgeMs: seconds(options.cacheMaxAge, 'introspection.cacheMaxAge', defaults.cacheMaxAge),
    inactiveCacheMaxAgeMs: seconds(
      options.inactiveCacheMaxAge,
      'introspection.inactiveCacheMaxAge',
      defaults.inactiveCacheMaxAge,
    ),
    defaultCacheMaxAgeMs: seconds(
      options.defaultCacheMaxAge,
      'introspection.defaultCacheMaxAge',
      defaults.defaultCacheMaxAge,
    ),
    cacheMax: wholeNumber(options.cacheMax, 'introspection.cacheMax', defaults.cacheMax),
    maxResponseBytes: wholeNumber(
      options.maxResponseBytes,
      'introspection.maxResponseBytes',
      defaults.maxResponseBytes,
      true,
    ),
    requireAudience: optionalBoolean(options.requireAudience, 'introspection.requireAudience') ?? false,
  }
}
