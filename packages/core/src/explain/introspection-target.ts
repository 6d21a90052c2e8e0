import { TokenError, type RejectReason } from '../errors.js'
import type { EventListener } from '../events.js'
import { createIntrospectionClient, type IntrospectionClient } from '../introspection/client.js'
import { discoveredIntrospectionEndpoint } from '../introspection/per-issuer.js'
import type { IssuerMetadata } from '../keys/issuer-key-sets.js'
import type { IssuerResolution } from '../keys/issuer-resolver.js'
import type { ResolvedOptions } from '../options.js'
import type { ResolvedProfile } from '../profiles/types.js'

/** Where explain introspects a token, and what the answer is held to. */
export interface IntrospectionTarget {
  /** A client of its own (caches nothing), reporting failures to `onEvent`. */
  client: (onEvent: EventListener) => IntrospectionClient
  /** `undefined`: discovered from the issuer's metadata. */
  endpoint: string | undefined
  issuers: readonly string[]
  audiences: readonly string[]
  /** The issuer's profile with a resolver; `undefined`: looked up by the answer's `iss`. */
  profile: ResolvedProfile | undefined
  /** With a resolver: the issuer asked (an answer without `iss` is its). */
  issuer: string | undefined
}

/** Why no introspection can be attempted: the check that fails, in the validator's words. */
export interface TargetRefusal {
  reason: RejectReason
  detail: string
  fix?: string
}

export type FindTarget = (issuer: string | undefined) => Promise<IntrospectionTarget | TargetRefusal>

/** The static target (one endpoint, the listed issuers), or the resolver's per-issuer one. */
export function introspectionTargets(
  resolved: ResolvedOptions,
  metadata: IssuerMetadata,
  resolution: IssuerResolution | undefined,
): FindTarget | undefined {
  const introspection = resolved.introspection
  if (introspection === undefined) return undefined
  const bounds = {
    timeout: introspection.timeoutMs,
    maxResponseBytes: introspection.maxResponseBytes,
    dispatcher: resolved.dispatcher,
  }
  if (resolution === undefined) {
    const target: IntrospectionTarget = {
      client: (onEvent) =>
        createIntrospectionClient({
          endpoint: introspection.endpoint ?? (() => metadata.introspectionEndpoint(resolved.issuers[0]!)),
          clientId: introspection.clientId,
          clientSecret: introspection.clientSecret,
          clientAuth: introspection.clientAuth,
          ...bounds,
          onEvent,
        }),
      endpoint: introspection.endpoint,
      issuers: resolved.issuers,
      audiences: resolved.audiences,
      profile: undefined,
      issuer: undefined,
    }
    return async () => target
  }
  const spec = resolved.issuerResolver!
  return async (issuer) => {
    if (issuer === undefined)
      return {
        reason: 'unknown_issuer',
        detail: 'an opaque token names no issuer, and with an issuer resolver the request must name it',
        fix: 'explain(token, { issuer }) (a request names it through issuer.fromRequest)',
      }
    let trusted
    try {
      trusted = await resolution.trust(issuer)
    } catch (error) {
      return {
        reason: error instanceof TokenError ? error.reason : 'issuer_unavailable',
        detail: `the issuer resolver failed deciding on ${JSON.stringify(issuer)}`,
        fix: 'the resolver threw, timed out (issuer.timeout) or returned a bad config: see the error cause',
      }
    }
    if (trusted === undefined)
      return {
        reason: 'unknown_issuer',
        detail: `the issuer resolver refuses ${JSON.stringify(issuer)} (nothing was fetched)`,
        fix: 'if you trust it, make the resolver return a config for it',
      }
    const config = trusted.introspection
    if (config === undefined)
      return {
        reason: 'issuer_not_introspected',
        detail: `the config of ${JSON.stringify(issuer)} has no introspection, so its opaque tokens are refused`,
        fix: "give the issuer's config introspection: { endpoint?, clientId, clientSecret }, or the validator introspection.clientId and clientSecret",
      }
    return {
      client: (onEvent) =>
        createIntrospectionClient({
          endpoint:
            config.endpoint ??
            discoveredIntrospectionEndpoint(issuer, {
              ...bounds,
              cooldown: 0,
              checkEndpoint: spec.checkEndpoint,
              emit: onEvent,
              now: resolved.now,
            }),
          clientId: config.clientId,
          clientSecret: config.clientSecret,
          clientAuth: config.clientAuth,
          ...bounds,
          onEvent,
        }),
      endpoint: config.endpoint,
      issuers: [issuer],
      audiences: [...trusted.profile.audiences],
      profile: trusted.profile,
      issuer,
    }
  }
}
