import type { Dispatcher } from 'undici'
import type { EventListener } from '../events.js'
import {
  resolveIssuers,
  type DynamicIssuers,
  type IssuerInput,
  type IssuerResolverInput,
} from '../profiles/resolve.js'
import type { ProfileName, ProfileOptions, ResolvedProfile } from '../profiles/types.js'
import type { Store } from '../store/store.js'
import { checkEndpoint, checkIssuer, checkResourceUrl } from '../url-rules.js'
import { DEFAULTS } from './defaults.js'
import {
  checkStore,
  resolveDenylist,
  type DenylistOptions,
  type ResolvedDenylistOptions,
} from './denylist.js'
import { resolveDpop, type DpopOptions, type ResolvedDpopOptions } from './dpop.js'
import {
  resolveIntrospection,
  type IntrospectionOptions,
  type ResolvedIntrospectionOptions,
  type ResolverIntrospectionOptions,
} from './introspection.js'
import { resolveJwt, type JwtOptions, type ResolvedJwtOptions } from './jwt.js'
import {
  optionalBoolean,
  optionalFunction,
  optionalString,
  positiveNumber,
  wholeNumber,
  stringList,
} from './values.js'

export type { DenylistOptions, ResolvedDenylistOptions } from './denylist.js'
export type { DpopOptions, ResolvedDpopOptions } from './dpop.js'
export type {
  IntrospectionOptions,
  ResolvedIntrospectionOptions,
  ResolverIntrospectionOptions,
} from './introspection.js'
export type { JwtOptions, ResolvedJwtOptions } from './jwt.js'
export { positiveNumber } from './values.js'
export { DEFAULTS } from './defaults.js'

export interface ValidatorOptions {
  /**
   * Trusted issuer, or an allowlist of them. A token's `iss` only selects among these. Each is an
   * https URL without query, fragment or userinfo (RFC 8414 §2); http only for loopback hosts. An
   * entry may be `{ url, profile?, audience? }` to give that issuer its own provider profile or
   * audience. Or a resolver that decides per token: `(iss) => config | undefined`, or
   * `{ resolve | template, tenants?, ...defaults, cacheTtl?, cacheMax?, maxIssuers?, timeout? }`.
   */
  issuer: IssuerInput | readonly IssuerInput[] | IssuerResolverInput
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
  /** RFC 7662 introspection; beside an issuer resolver, its shared bounds and default credentials. */
  introspection?: IntrospectionOptions | ResolverIntrospectionOptions
  /** Accept `access_token` in a form-encoded body (RFC 6750 §2.2). Default false. */
  allowBodyToken?: boolean
  /** Accept `access_token` in the query (RFC 6750 §2.3; leaks into logs). Default false. */
  allowQueryToken?: boolean
  /**
   * Leeway for time claims, in seconds: `exp`, `nbf` and `iat` of JWTs, `exp` and `nbf` of
   * introspection answers, a DPoP proof's `iat`. Default 5. Replaces `jwt.clockTolerance`.
   */
  clockTolerance?: number
  /** Longest accepted token, in characters. Default 8192. */
  maxTokenLength?: number
  /** Where the denylist (and a fleet's shared introspection cache) lives. Default: a `MemoryStore` of this validator. */
  store?: Store
  /** Denylist behaviour on sensitive routes. */
  denylist?: DenylistOptions
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
  /**
   * Development only: adds the refusal reason to `error_description` (e.g. `…; reason expired: …`).
   * Default false. Warns at construction; refused under NODE_ENV=production unless `'force'`.
   */
  exposeErrorReasons?: boolean | 'force'
  /** Clock in milliseconds (a test seam). Default `Date.now`. */
  now?: () => number
  /** undici dispatcher for discovery, JWKS and introspection. Default: a shared keep-alive pool. */
  dispatcher?: Dispatcher
}

export interface ResolvedOptions {
  dpop: ResolvedDpopOptions | undefined
  mtls: { certificateHeader: string | undefined }
  resourceMetadata: string | undefined
  store: Store | undefined
  denylist: ResolvedDenylistOptions
  /** The one clock tolerance of JWTs, introspection answers and DPoP proofs. */
  clockToleranceMs: number
  issuers: string[]
  /** Each issuer's complete profile, by issuer URL. */
  profiles: ReadonlyMap<string, ResolvedProfile>
  /** With `issuer` as a resolver (then `issuers` is empty): trust decided per token. */
  issuerResolver: DynamicIssuers | undefined
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
  const {
    urls: issuers,
    profiles,
    resolver: issuerResolver,
  } = resolveIssuers({
    issuer: options.issuer,
    checkUrl: (issuer, name) => checkIssuer(issuer, allowInsecure, name),
    checkEndpoint: (url, name) => checkEndpoint(url, name, allowInsecure),
    audiences,
    profile: options.profile,
    jwtTyp: options.jwt?.typ,
    scopeClaim: optionalString(options.scopeClaim, 'scopeClaim'),
    discoversIntrospection:
      options.introspection !== undefined && options.introspection?.endpoint === undefined,
  })
  if (options.jwt === undefined && options.introspection === undefined) {
    throw new TypeError('createValidator: give `jwt`, `introspection`, or both')
  }
  const clockToleranceMs = resolveClockTolerance(options)
  const jwt = options.jwt === undefined ? undefined : resolveJwt(options.jwt, allowInsecure, clockToleranceMs)
  // A resolver approves issuers one by one, each with its own keys: one shared secret cannot be theirs.
  if (issuerResolver !== undefined && jwt?.secret !== undefined) {
    throw new TypeError('createValidator: `jwt.secret` cannot be used with an issuer resolver')
  }
  return {
    issuers,
    profiles,
    issuerResolver,
    audiences,
    realm: optionalString(options.realm, 'realm') ?? audiences[0]!,
    jwt,
    introspection:
      options.introspection === undefined
        ? undefined
        : resolveIntrospection(options.introspection, issuers, allowInsecure, issuerResolver !== undefined),
    allowBodyToken: optionalBoolean(options.allowBodyToken, 'allowBodyToken') ?? false,
    allowQueryToken: optionalBoolean(options.allowQueryToken, 'allowQueryToken') ?? false,
    maxTokenLength: wholeNumber(options.maxTokenLength, 'maxTokenLength', DEFAULTS.maxTokenLength, true),
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
    denylist: resolveDenylist(options.denylist),
    clockToleranceMs,
    onEvent: optionalFunction(options.onEvent, 'onEvent') as EventListener | undefined,
    now: (optionalFunction(options.now, 'now') as (() => number) | undefined) ?? Date.now,
    dispatcher: options.dispatcher,
  }
}

/**
 * The top-level `clockTolerance`, or its deprecated alias `jwt.clockTolerance` (the only place it
 * could be set before introspection shared it). Both given and different is a `TypeError`: one of
 * them would be silently ignored.
 */
function resolveClockTolerance(options: ValidatorOptions): number {
  const top = options.clockTolerance
  const alias = options.jwt?.clockTolerance
  if (top !== undefined) positiveNumber(top, 'clockTolerance', 0)
  if (alias !== undefined) positiveNumber(alias, 'jwt.clockTolerance', 0)
  if (top !== undefined && alias !== undefined && top !== alias) {
    throw new TypeError(
      'createValidator: `clockTolerance` and its deprecated alias `jwt.clockTolerance` disagree; give `clockTolerance` only',
    )
  }
  return (top ?? alias ?? DEFAULTS.clockTolerance) * 1000
}
