import { LRUCache } from 'lru-cache'
import { UnavailableError } from '../errors.js'
import type { ResolvedProfile } from '../profiles/types.js'
import type { IssuerConfig, ResolvedIssuerResolver } from './issuer-resolver-options.js'
import type { KeySet } from './key-set.js'
import { checkJwkSet } from '../options/jwks.js'
import { createLocalKeySet } from './local-key-set.js'
import {
  checkIssuerIntrospection,
  type IntrospectionDefaults,
  type IssuerIntrospectionConfig,
} from './issuer-introspection.js'

export type { IntrospectionDefaults, IssuerIntrospectionConfig } from './issuer-introspection.js'

/**
 * Per-token issuer trust: the resolver is asked about a token's `iss` (only once the token's shape
 * and algorithm passed, and only for an `iss` that is an acceptable issuer URL), its decision is
 * remembered in a bounded cache for `cacheTtl`, and only an approved issuer ever gets a key set,
 * so a token cannot make us fetch from an address it names (RFC 8725 §3.8). A resolver that throws,
 * hangs past `timeout` or returns a malformed config answers 503: never a 500, never a 401 that
 * would blame the token for our own fault.
 */

/** What the JWT strategy verifies a token of a trusted issuer with. */
export interface TrustedIssuer {
  profile: ResolvedProfile
  /** The issuer's algorithms: `jwt.algorithms`, or the narrower list its config gives. */
  algorithms: readonly string[]
  keySet: KeySet
}

/** A trusted issuer's checked config, before any key set exists for it. */
export interface IssuerTrust {
  profile: ResolvedProfile
  algorithms: readonly string[]
  keySet?: KeySet
  jwksUri?: string
  /** `undefined`: this issuer's opaque tokens are refused. */
  introspection: IssuerIntrospectionConfig | undefined
}

export interface IssuerResolutionDeps {
  spec: ResolvedIssuerResolver
  /** `jwt.algorithms`: an issuer's own list may only narrow it. */
  algorithms: readonly string[]
  /** The issuer URL rule of static issuers; throws `TypeError` for an unacceptable URL. */
  checkIssuer(url: string, name: string): string
  /** The key set URL rule (https, or http on loopback); throws `TypeError`. */
  checkEndpoint(url: string, name: string): string
  /** The issuer's profile from its config (throws `TypeError` for a bad one). */
  profileFor(url: string, profile: unknown, audience: unknown, name: string): ResolvedProfile
  /** The validator's `introspection` (undefined: not set, and no issuer may introspect). */
  introspection: IntrospectionDefaults | undefined
  now: () => number
}

interface Decision {
  /** `undefined`: the resolver refused this issuer. */
  trusted: IssuerTrust | undefined
}

/** Longer `iss` values are refused without asking the resolver (they also bound the cache's memory). */
const MAX_ISSUER_LENGTH = 2048
const CONFIG_KEYS = new Set(['profile', 'audience', 'algorithms', 'jwksUri', 'jwks', 'introspection'])

export function createIssuerResolution(deps: IssuerResolutionDeps) {
  const { spec } = deps
  const decisions = new LRUCache<string, Decision>({
    max: spec.cacheMax,
    ttl: spec.cacheTtl,
    perf: { now: deps.now },
    ttlResolution: 0,
  })
  // One question per issuer at a time: concurrent tokens of a new issuer share one answer.
  const pending = new Map<string, Promise<Decision>>()

  /** Checks a config (the resolver's result over the defaults); throws `TypeError` naming what is wrong. */
  function check(iss: string, result: unknown, name: string): Decision['trusted'] {
    if (result === null || typeof result !== 'object' || Array.isArray(result))
      throw new TypeError(`${name} must be an issuer config object or undefined`)
    for (const key of Object.keys(result)) {
      if (!CONFIG_KEYS.has(key)) throw new TypeError(`${name}.${key} is not an issuer config option`)
    }
    const config: IssuerConfig = { ...spec.defaults, ...(result as IssuerConfig) }
    const profile = deps.profileFor(iss, config.profile, config.audience, name)
    let algorithms = deps.algorithms
    if (config.algorithms !== undefined) {
      const list: unknown = config.algorithms
      if (
        !Array.isArray(list) ||
        list.length === 0 ||
        !list.every((a: unknown) => typeof a === 'string' && deps.algorithms.includes(a))
      ) {
        throw new TypeError(`${name}.algorithms must be a non-empty subset of jwt.algorithms`)
      }
      algorithms = [...(list as string[])]
    }
    if (config.jwks !== undefined && config.jwksUri !== undefined)
      throw new TypeError(`${name}: give jwks or jwksUri, not both`)
    const introspection = checkIssuerIntrospection(
      config.introspection,
      profile,
      `${name}.introspection`,
      deps.introspection,
      deps.checkEndpoint,
    )
    if (config.jwks !== undefined) {
      return {
        profile,
        algorithms,
        introspection,
        keySet: createLocalKeySet(checkJwkSet(config.jwks, `${name}.jwks`), { algorithms }),
      }
    }
    if (config.jwksUri !== undefined) {
      if (typeof config.jwksUri !== 'string') throw new TypeError(`${name}.jwksUri must be a URL string`)
      const jwksUri = deps.checkEndpoint(config.jwksUri, `${name}.jwksUri`)
      return { profile, algorithms, introspection, jwksUri }
    }
    return { profile, algorithms, introspection }
  }

  // A template's config is fixed: a mistake in it is a TypeError now, not a 503 on every token.
  if (spec.template !== undefined) check(spec.template, {}, 'createValidator: `issuer`')
  // A function's defaults are fixed too: their introspection is checked now, as far as it can be.
  else if (spec.defaults.introspection !== undefined)
    checkIssuerIntrospection(
      spec.defaults.introspection,
      undefined,
      'createValidator: issuer.introspection',
      deps.introspection,
      deps.checkEndpoint,
    )
  if (spec.fromRequest !== undefined && deps.introspection === undefined)
    throw new TypeError(
      "createValidator: `issuer.fromRequest` names the issuer of opaque tokens; it needs the validator's `introspection` option",
    )

  async function decide(iss: string): Promise<Decision> {
    let result: unknown
    try {
      result = await bounded(() => spec.resolve(iss), spec.timeout)
    } catch (error) {
      throw new UnavailableError({ reason: 'issuer_unavailable', retryAfter: 5, cause: error })
    }
    if (result === undefined || result === null) return { trusted: undefined }
    try {
      return { trusted: check(iss, result, `issuer resolver result for ${iss}`) }
    } catch (error) {
      // A bad config is our fault, not the token's: 503, with the reason in the cause for logs.
      throw new UnavailableError({ reason: 'issuer_unavailable', retryAfter: 5, cause: error })
    }
  }

  function acceptable(iss: string): boolean {
    if (iss.length > MAX_ISSUER_LENGTH) return false
    try {
      deps.checkIssuer(iss, 'iss')
      return true
    } catch {
      return false
    }
  }

  return {
    /**
     * The checked config of a trusted issuer (a JWT's `iss`, or the issuer a request names for an
     * opaque token), or `undefined`; rejects with a 503 `UnavailableError`.
     */
    async trust(iss: string): Promise<IssuerTrust | undefined> {
      // Only an acceptable `iss` is ever remembered, so a remembered one needs no second look.
      let decision = decisions.get(iss)
      if (decision === undefined) {
        // RFC 8414 §2 shape first: the resolver never sees an `iss` we could not fetch from anyway.
        if (!acceptable(iss)) return undefined
        let question = pending.get(iss)
        if (question === undefined) {
          question = decide(iss)
            .then((answer) => (decisions.set(iss, answer), answer))
            .finally(() => pending.delete(iss))
          pending.set(iss, question)
        }
        decision = await question
      }
      return decision.trusted
    },
  }
}

export type IssuerResolution = ReturnType<typeof createIssuerResolution>

/** Runs `work` with a deadline: a throw, a rejection and a hang past `timeout` ms all reject. */
async function bounded<T>(work: () => T | Promise<T>, timeout: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      Promise.resolve().then(work),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`issuer resolver gave no answer within ${timeout} ms`)),
          timeout,
        )
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
