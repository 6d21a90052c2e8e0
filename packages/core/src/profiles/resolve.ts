import { complete } from './complete.js'
import { profileDefinition } from './definition.js'
import { stringList } from './option-values.js'
import type { ProfileName, ProfileOptions, ResolvedProfile } from './types.js'
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
