import { PROFILE_NAMES, PROFILES } from './builtin.js'
import { claimValues, pathList, stringList, typList } from './option-values.js'
import type { ClaimPath, ProfileDefinition, ProfileName, ProfileOptions, ResolvedProfile } from './types.js'
import { normalizeTyp } from '../jws/header.js'
import {
  isResolverInput,
  resolveIssuerResolver,
  type IssuerResolverFunction,
  type IssuerResolverOptions,
  type ResolvedIssuerResolver,
} from '../keys/issuer-resolver-options.js'

/** One trusted issuer with its own dialect and, optionally, its own audience. */
export interface IssuerOptions {
  /** The exact `iss` value of the provider's tokens. */
  url: string
  /** How this issuer's tokens look: a profile name, or a profile object. Default: the validator's `profile`. */
  profile?: ProfileName | ProfileOptions
  /** The audience(s) this issuer's JWTs must name, instead of the validator's `audience`. */
  audience?: string | readonly string[]
}

export type IssuerInput = string | IssuerOptions

/** `issuer` as a resolver: trust decided per token (keys/issuer-resolver-options.ts). */
export type IssuerResolverInput = IssuerResolverFunction | IssuerResolverOptions

export interface ProfileInputs {
  issuer: unknown
  /** The validator's URL check (name is the option path, e.g. `issuer[1]`). */
  checkUrl: (url: string, name: string) => string
  /** The validator's key set URL check (https, or http on loopback). */
  checkEndpoint?: (url: string, name: string) => string
  /** Whether `introspection` is configured (an issuer resolver does not combine with it yet). */
  introspects?: boolean
  audiences: readonly string[]
  profile: unknown
  /** `jwt.typ` as given: when present it overrides every profile's `typ` (the older option). */
  jwtTyp: string | false | undefined
  /** `scopeClaim` as given: when present it replaces every profile's scope claims (the older option). */
  scopeClaim: string | undefined
  /** Whether introspection is configured without an explicit endpoint (it would be discovered). */
  discoversIntrospection: boolean
}

export interface ResolvedIssuers {
  /** Issuer URLs in the order given (the allowlist). */
  urls: string[]
  /** The profile of each issuer, by URL. */
  profiles: ReadonlyMap<string, ResolvedProfile>
  /** With an issuer resolver (then `urls` is empty): the resolver and the checks its results pass. */
  resolver: DynamicIssuers | undefined
}

/** An issuer resolver with what it needs to turn a decision into a complete, checked profile. */
export interface DynamicIssuers extends ResolvedIssuerResolver {
  /** The profile of a trusted issuer from its config; a `TypeError` naming `name` for a bad one. */
  profileFor(url: string, profile: unknown, audience: unknown, name: string): ResolvedProfile
  checkIssuer(url: string, name: string): string
  checkEndpoint(url: string, name: string): string
}

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const ENTRA_V1 = new RegExp(`^https://sts\\.windows\\.net/(${GUID})/$`, 'i')
const ENTRA_V2 = new RegExp(`^https://login\\.microsoftonline\\.com/(${GUID})/v2\\.0$`, 'i')
const APP_ID = new RegExp(`^${GUID}$`, 'i')
const APP_ID_URI = new RegExp(`^api://(${GUID})$`, 'i')

/**
 * Reads `issuer` (a URL, an `{ url, profile?, audience? }` object, or a list of both) and the
 * validator-wide `profile`, and gives every issuer its complete profile. Checked once, here.
 */
export function resolveIssuers(inputs: ProfileInputs): ResolvedIssuers {
  if (isResolverInput(inputs.issuer))
    return { urls: [], profiles: new Map(), resolver: dynamicIssuers(inputs) }
  const entries = issuerEntries(inputs.issuer, inputs.checkUrl)
  const fallback = profileDefinition(inputs.profile, 'profile')
  const profiles = new Map<string, ResolvedProfile>()
  const definitions = entries.map((entry, index) => {
    const name = Array.isArray(inputs.issuer) ? `issuer[${index}]` : 'issuer'
    if (profiles.has(entry.url)) throw new TypeError(`createValidator: \`${name}\` repeats ${entry.url}`)
    const definition =
      entry.profile === undefined ? fallback : profileDefinition(entry.profile, `${name}.profile`)
    const audiences =
      entry.audience === undefined ? [...inputs.audiences] : stringList(entry.audience, `${name}.audience`)
    profiles.set(entry.url, complete(definition, entry.url, audiences, inputs, name))
    return definition
  })
  // A discovered introspection endpoint comes from the first issuer's metadata.
  const first = definitions[0]!
  if (inputs.discoversIntrospection && !first.introspection) {
    throw new TypeError(
      `createValidator: the ${first.name} profile's provider has no RFC 7662 introspection endpoint; ` +
        'remove `introspection` or give `introspection.endpoint`',
    )
  }
  return { urls: entries.map((entry) => entry.url), profiles, resolver: undefined }
}

function dynamicIssuers(inputs: ProfileInputs): DynamicIssuers {
  if (inputs.introspects) {
    throw new TypeError(
      'createValidator: an issuer resolver works with `jwt` only; list the issuers to use `introspection`',
    )
  }
  const spec = resolveIssuerResolver(inputs.issuer, inputs.checkUrl)
  const fallback = profileDefinition(inputs.profile, 'profile')
  if (spec.defaults.profile !== undefined) profileDefinition(spec.defaults.profile, 'issuer.profile')
  if (spec.defaults.audience !== undefined) stringList(spec.defaults.audience, 'issuer.audience')
  return {
    ...spec,
    checkIssuer: inputs.checkUrl,
    checkEndpoint: inputs.checkEndpoint ?? inputs.checkUrl,
    profileFor(url, profile, audience, name) {
      const definition = profile === undefined ? fallback : profileDefinition(profile, `${name}.profile`)
      const audiences =
        audience === undefined ? [...inputs.audiences] : stringList(audience, `${name}.audience`)
      return complete(definition, url, audiences, inputs, name)
    },
  }
}

interface NamedDefinition extends ProfileDefinition {
  name: string
}

function issuerEntries(issuer: unknown, checkUrl: ProfileInputs['checkUrl']): IssuerOptions[] {
  const list = Array.isArray(issuer) ? issuer : [issuer]
  if (list.length === 0) throw new TypeError('createValidator: `issuer` must name at least one issuer')
  return list.map((item, index) => {
    const name = Array.isArray(issuer) ? `issuer[${index}]` : 'issuer'
    if (typeof item === 'string' && item.length > 0) return { url: checkUrl(item, name) }
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      const entry = item as Record<string, unknown>
      for (const key of Object.keys(entry)) {
        if (key !== 'url' && key !== 'profile' && key !== 'audience') {
          throw new TypeError(
            `createValidator: \`${name}.${key}\` is not an issuer option (url, profile, audience)`,
          )
        }
      }
      if (typeof entry.url !== 'string' || entry.url.length === 0) {
        throw new TypeError(`createValidator: \`${name}.url\` must be a non-empty string`)
      }
      return { ...(entry as unknown as IssuerOptions), url: checkUrl(entry.url, `${name}.url`) }
    }
    throw new TypeError(`createValidator: \`${name}\` must be an issuer URL or { url, profile?, audience? }`)
  })
}

function profileDefinition(profile: unknown, name: string): NamedDefinition {
  if (profile === undefined) return { ...PROFILES.rfc9068, name: 'rfc9068' }
  if (typeof profile === 'string') return { ...named(profile, name), name: profile }
  if (profile === null || typeof profile !== 'object' || Array.isArray(profile)) {
    throw new TypeError(
      `createValidator: \`${name}\` must be a profile name (${PROFILE_NAMES.join(', ')}) or an object`,
    )
  }
  const options = profile as ProfileOptions & Record<string, unknown>
  const base = options.extends === undefined ? 'rfc9068' : options.extends
  const definition: NamedDefinition = { ...named(base, `${name}.extends`), name: `${base} (customized)` }
  for (const key of Object.keys(options)) {
    if (key === 'extends' || options[key] === undefined) continue
    switch (key) {
      case 'typ':
        definition.typ = typList(options.typ, `${name}.typ`)
        break
      case 'requiredClaims':
      case 'clientIdClaims':
        definition[key] = stringList(options[key], `${name}.${key}`, true)
        break
      case 'scopeClaims':
      case 'roleClaims':
        definition[key] = pathList(options[key], `${name}.${key}`)
        break
      case 'claimValues':
        definition.claimValues = claimValues(options.claimValues, `${name}.claimValues`)
        break
      case 'audienceClaim':
        if (options.audienceClaim !== 'aud' && options.audienceClaim !== 'client_id') {
          throw new TypeError(`createValidator: \`${name}.audienceClaim\` must be aud or client_id`)
        }
        definition.audienceClaim = options.audienceClaim
        break
      default:
        throw new TypeError(`createValidator: \`${name}.${key}\` is not a profile option`)
    }
  }
  return definition
}

function named(profile: unknown, name: string): ProfileDefinition {
  if (typeof profile !== 'string' || !Object.hasOwn(PROFILES, profile)) {
    throw new TypeError(`createValidator: \`${name}\` must be one of ${PROFILE_NAMES.join(', ')}`)
  }
  return PROFILES[profile as ProfileName]
}

/** The profile an issuer's tokens are checked with: its definition, the older options, its audiences. */
function complete(
  definition: NamedDefinition,
  url: string,
  audiences: string[],
  inputs: ProfileInputs,
  name: string,
): ResolvedProfile {
  const claimValues = { ...definition.claimValues }
  checkIssuerShape(definition, url, name, claimValues)
  const allowed = new Set(audiences)
  if (definition.appIdUriAliases) {
    // Entra: v1 tokens name the app id URI, v2 tokens the app id; both identify one app registration.
    for (const audience of audiences) {
      if (APP_ID.test(audience)) allowed.add(`api://${audience}`)
      const uri = APP_ID_URI.exec(audience)
      if (uri !== null) allowed.add(uri[1]!)
    }
  }
  const typ =
    inputs.jwtTyp === false
      ? false
      : new Set((inputs.jwtTyp === undefined ? definition.typ : [inputs.jwtTyp]).map(normalizeTyp))
  return {
    name: definition.name,
    typ,
    requiredClaims: [...new Set([...definition.requiredClaims, ...Object.keys(claimValues)])],
    claimValues,
    scopeClaims: (inputs.scopeClaim === undefined ? definition.scopeClaims : [inputs.scopeClaim]).map(toPath),
    roleClaims: definition.roleClaims.map(toPath),
    clientIdClaims: [...definition.clientIdClaims],
    audienceClaim: definition.audienceClaim,
    audiences: allowed,
  }
}

/** A mistyped issuer refuses every token as `unknown_issuer`: say so at construction instead. */
function checkIssuerShape(
  definition: NamedDefinition,
  url: string,
  name: string,
  claimValues: Record<string, string>,
): void {
  const fail = (rule: string) => {
    throw new TypeError(`createValidator: \`${name}\` ${url} is not a ${definition.name} issuer: ${rule}`)
  }
  if (definition.issuerShape === 'trailing-slash' && !url.endsWith('/')) fail('its issuers end with "/"')
  if (definition.issuerShape === 'no-trailing-slash' && url.endsWith('/'))
    fail('its issuers do not end with "/"')
  if (definition.issuerShape !== 'entra') return
  if (/\{|\}|\/(common|organizations|consumers)(\/|$)/i.test(url)) {
    fail("a multi-tenant issuer template needs an issuer resolver; list each tenant's issuer")
  }
  const host = new URL(url).hostname.toLowerCase()
  const tenant = (ENTRA_V1.exec(url) ?? ENTRA_V2.exec(url))?.[1]
  if (host === 'sts.windows.net' && tenant === undefined)
    fail('v1 issuers are https://sts.windows.net/{tenant id}/')
  if (host === 'login.microsoftonline.com' && tenant === undefined) {
    fail('v2 issuers are https://login.microsoftonline.com/{tenant id}/v2.0')
  }
  // The tenant in the issuer and the token's `tid` must agree (Entra claims validation guidance).
  if (tenant !== undefined) claimValues.tid = tenant.toLowerCase()
}

const toPath = (path: ClaimPath): readonly string[] => (typeof path === 'string' ? [path] : [...path])
