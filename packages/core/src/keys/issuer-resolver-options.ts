import type { Jwk as JWK } from '../jwk.js'
import type { ProfileName, ProfileOptions } from '../profiles/types.js'
import type { RequestLike } from '../request.js'

/**
 * The `issuer` option in its dynamic forms: a function, or an object with a `resolve` function or a
 * `template`. Checked once here, when the validator is built; what a resolver returns per token is
 * checked where it arrives (keys/issuer-resolver.ts).
 */

/** How one issuer's tokens are verified, as an issuer resolver decides it. Every field is optional. */
export interface IssuerConfig {
  /** The provider profile of this issuer's tokens. Default: the resolver's, else the validator's `profile`. */
  profile?: ProfileName | ProfileOptions
  /** The audience(s) this issuer's tokens must name. Default: the validator's `audience`. */
  audience?: string | readonly string[]
  /** Narrows `jwt.algorithms` for this issuer (never widens it). Default: `jwt.algorithms`. */
  algorithms?: readonly string[]
  /** This issuer's key set URL (https; http only on loopback). Default: `jwks_uri` from its metadata. */
  jwksUri?: string
  /** This issuer's keys given locally (public JWKs): nothing is fetched. */
  jwks?: { keys: JWK[] }
  /**
   * How this issuer's opaque tokens are introspected (RFC 7662). Each field defaults: `endpoint` to
   * the `introspection_endpoint` of its metadata (RFC 8414), the credentials to the validator's
   * `introspection`. `false`, or absent without validator credentials: its opaque tokens are refused.
   */
  introspection?: IssuerIntrospection | false
}

/** One issuer's introspection endpoint and the credentials we present there. */
export interface IssuerIntrospection {
  /** https (http only on loopback). Default: `introspection_endpoint` from the issuer's metadata. */
  endpoint?: string
  clientId?: string
  clientSecret?: string
  clientAuth?: 'client_secret_basic' | 'client_secret_post'
}

/** Decides per token whether `iss` is trusted: a config to trust it with, or `undefined` to refuse it. */
export type IssuerResolverFunction = (
  iss: string,
) => IssuerConfig | undefined | null | Promise<IssuerConfig | undefined | null>

/** An issuer resolver with its bounds, and the defaults every issuer it trusts starts from. */
export interface IssuerResolverOptions extends IssuerConfig {
  /** The decision; its result is merged over the fields of this object. One of `resolve` or `template`. */
  resolve?: IssuerResolverFunction
  /**
   * An issuer URL with one `{tenantid}` placeholder (a lower-case GUID), e.g.
   * `https://login.microsoftonline.com/{tenantid}/v2.0`. `jwksUri` may hold `{tenantid}` too.
   */
  template?: string
  /** With `template`: the tenant ids trusted, or `'any'` for every GUID. Required with `template`. */
  tenants?: readonly string[] | 'any'
  /** How long a decision (trusted or refused) is remembered, in seconds. Default 300. */
  cacheTtl?: number
  /** Most decisions remembered. Default 1000. */
  cacheMax?: number
  /** Most distinct remote key sets at once (a slot is freed when unused for `cacheTtl`). Default 100. */
  maxIssuers?: number
  /** Longest wait for the resolver, in milliseconds; past it the request is answered 503. Default 2000. */
  timeout?: number
  /**
   * The issuer of a request's opaque token (which does not name one), e.g. from its host or path;
   * `undefined` refuses the token (401). The resolver then decides on it as on a JWT's `iss`.
   */
  fromRequest?: (request: RequestLike) => string | undefined
}

/** The resolver as the validator uses it: a function (a template compiled into one) and its bounds. */
export interface ResolvedIssuerResolver {
  resolve: IssuerResolverFunction
  /** The fields every result is merged over. */
  defaults: IssuerConfig
  /** A template's fixed config is checked at construction; a function's results per token. */
  template: string | undefined
  /** A template's listed tenants as issuer URLs (loaded by `ready()`); undefined for `'any'` or a function. */
  listed: readonly string[] | undefined
  cacheTtl: number
  cacheMax: number
  maxIssuers: number
  timeout: number
  fromRequest: ((request: RequestLike) => string | undefined) | undefined
}

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const GUID_ONLY = new RegExp(`^${GUID}$`)
const PLACEHOLDER = '{tenantid}'
const CONFIG_KEYS = ['profile', 'audience', 'algorithms', 'jwksUri', 'jwks', 'introspection'] as const
const RESOLVER_KEYS = new Set<string>([
  ...CONFIG_KEYS,
  'fromRequest',
  'resolve',
  'template',
  'tenants',
  'cacheTtl',
  'cacheMax',
  'maxIssuers',
  'timeout',
])

/** Whether `issuer` is given as a resolver rather than as URLs and `{ url }` entries. */
export function isResolverInput(issuer: unknown): boolean {
  if (typeof issuer === 'function') return true
  return (
    issuer !== null &&
    typeof issuer === 'object' &&
    !Array.isArray(issuer) &&
    !('url' in issuer) &&
    ('resolve' in issuer || 'template' in issuer)
  )
}

/** Checks a dynamic `issuer` once. `checkIssuer` is the validator's issuer URL rule. */
export function resolveIssuerResolver(
  issuer: unknown,
  checkIssuer: (url: string, name: string) => string,
): ResolvedIssuerResolver {
  const options = (typeof issuer === 'function' ? { resolve: issuer } : issuer) as IssuerResolverOptions
  for (const key of Object.keys(options)) {
    if (!RESOLVER_KEYS.has(key))
      throw new TypeError(`createValidator: \`issuer.${key}\` is not a resolver option`)
  }
  const defaults: IssuerConfig = {}
  for (const key of CONFIG_KEYS)
    if (options[key] !== undefined) Object.assign(defaults, { [key]: options[key] })
  const bounds = {
    cacheTtl: count(options.cacheTtl, 'issuer.cacheTtl', 300) * 1000,
    cacheMax: count(options.cacheMax, 'issuer.cacheMax', 1000, true),
    maxIssuers: count(options.maxIssuers, 'issuer.maxIssuers', 100, true),
    timeout: count(options.timeout, 'issuer.timeout', 2000),
    fromRequest: options.fromRequest,
  }
  if (options.fromRequest !== undefined && typeof options.fromRequest !== 'function') {
    throw new TypeError(
      'createValidator: `issuer.fromRequest` must be a function (request) => issuer | undefined',
    )
  }
  if ((options.resolve === undefined) === (options.template === undefined)) {
    throw new TypeError(
      'createValidator: an issuer resolver needs `issuer.resolve` or `issuer.template` (one)',
    )
  }
  if (options.resolve !== undefined) {
    if (typeof options.resolve !== 'function')
      throw new TypeError('createValidator: `issuer.resolve` must be a function (iss) => config | undefined')
    if (options.tenants !== undefined)
      throw new TypeError('createValidator: `issuer.tenants` goes with `issuer.template`')
    return { resolve: options.resolve, defaults, template: undefined, listed: undefined, ...bounds }
  }
  const template = compileTemplate(options, checkIssuer)
  return { ...template, defaults, template: template.sample, ...bounds }
}

/** A template and its tenants as a resolver: a `{tenantid}` match in the allowlist (or any GUID) is trusted. */
function compileTemplate(
  options: IssuerResolverOptions,
  checkIssuer: (url: string, name: string) => string,
): { resolve: IssuerResolverFunction; sample: string; listed: string[] | undefined } {
  const { template, tenants } = options
  if (typeof template !== 'string' || template.split(PLACEHOLDER).length !== 2) {
    throw new TypeError(`createValidator: \`issuer.template\` must hold ${PLACEHOLDER} exactly once`)
  }
  // The template with a tenant filled in is an issuer like any other (https, no query, …).
  const sample = template.replace(PLACEHOLDER, '00000000-0000-0000-0000-000000000000')
  checkIssuer(sample, 'issuer.template')
  let allowed: ReadonlySet<string> | 'any'
  if (tenants === 'any') allowed = 'any'
  else if (Array.isArray(tenants) && tenants.length > 0 && tenants.every((t) => typeof t === 'string')) {
    allowed = new Set(tenants.map((tenant: string) => tenant.toLowerCase()))
    for (const tenant of allowed) {
      if (!GUID_ONLY.test(tenant))
        throw new TypeError(`createValidator: \`issuer.tenants\` holds "${tenant}", not a tenant id (GUID)`)
    }
  } else {
    throw new TypeError(
      "createValidator: `issuer.template` needs `issuer.tenants`: a list of tenant ids, or 'any'",
    )
  }
  const [prefix, suffix] = template.split(PLACEHOLDER) as [string, string]
  const pattern = new RegExp(`^${escape(prefix)}(${GUID})${escape(suffix)}$`)
  const jwksUri = options.jwksUri
  // `introspection.endpoint` of a template may hold `{tenantid}` too (a realm per tenant).
  const introspection = typeof options.introspection === 'object' ? options.introspection : undefined
  const endpoint = typeof introspection?.endpoint === 'string' ? introspection.endpoint : undefined
  return {
    sample,
    listed:
      allowed === 'any' ? undefined : [...allowed].map((tenant) => template.replace(PLACEHOLDER, tenant)),
    resolve(iss) {
      const tenant = pattern.exec(iss)?.[1]
      if (tenant === undefined || (allowed !== 'any' && !allowed.has(tenant))) return undefined
      if (jwksUri === undefined && endpoint === undefined) return {}
      const config: IssuerConfig = {}
      if (jwksUri !== undefined) config.jwksUri = jwksUri.replace(PLACEHOLDER, tenant)
      if (endpoint !== undefined)
        config.introspection = { ...introspection, endpoint: endpoint.replace(PLACEHOLDER, tenant) }
      return config
    },
  }
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

function count(value: unknown, name: string, fallback: number, integer = false): number {
  if (value === undefined) return fallback
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new TypeError(`createValidator: \`${name}\` must be a positive ${integer ? 'integer' : 'number'}`)
  }
  return value
}
