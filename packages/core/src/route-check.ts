import { MissingTokenError, type ChallengeContext, type TokenError } from './errors.js'
import type { EventListener } from './events.js'
import { extractToken, type ExtractedToken, type ExtractOptions } from './extract.js'
import type { createBindingCheck } from './binding.js'
import type { Denylist } from './denylist/denylist.js'
import type { ResolvedOptions } from './options.js'
import type { RequestLike } from './request.js'
import { asTokenError, noteChallenge } from './respond.js'
import { compileRoute } from './route.js'
import type { Strategies } from './strategies/index.js'
import type { AuthContext, RouteOptions, TokenClaims } from './types.js'
import { describeWithReason } from './explain/expose-reasons.js'

/**
 * The request path of one route, compiled once: extract → strategy → denylist (sensitive routes) →
 * binding, then the accepted or rejected event. Everything per validator arrives in `deps`.
 */

/** A compiled route: from a request, or (`verify`) from a bare token and the issuer it names. */
export type Check<C extends TokenClaims> = (
  request: RequestLike | undefined,
  bare: ExtractedToken | undefined,
  issuer?: string,
) => Promise<AuthContext<C> | undefined>

export interface RouteCheckDeps {
  resolved: ResolvedOptions
  strategies: Strategies
  checkBinding: ReturnType<typeof createBindingCheck>
  useDenylist: () => Denylist
  emit: EventListener
  /** With no listener, requests build no event and read no clock for one. */
  listening: boolean
  exposeReasons: boolean
  bearerChallenge: ChallengeContext
  dpopChallenge: ChallengeContext
}

/** The request a binding check sees for a bare token: no proof, no certificate (never written to). */
const NO_REQUEST: RequestLike = Object.freeze({ method: 'GET', headers: Object.freeze({}) })

export function createRouteCompiler<C extends TokenClaims>(deps: RouteCheckDeps) {
  const { resolved, strategies, checkBinding, emit, listening, bearerChallenge, dpopChallenge } = deps
  const extractOptions: ExtractOptions = {
    allowBodyToken: resolved.allowBodyToken,
    allowQueryToken: resolved.allowQueryToken,
    maxTokenLength: resolved.maxTokenLength,
    allowDpop: resolved.dpop !== undefined,
    deferSyntaxCheck: true,
  }
  const namesIssuers = resolved.issuerResolver !== undefined

  /**
   * A route's check: `request` is the request to extract from, or undefined for `verify(token)`,
   * whose bare token is taken as a `Bearer` header would carry it.
   */
  return function compile(routeOptions?: RouteOptions): Check<C> {
    const compiled = compileRoute(routeOptions, resolved, strategies)
    const sensitive = compiled.sensitive ? deps.useDenylist() : undefined
    return async (request, bare, issuer) => {
      const started = listening ? performance.now() : 0
      let challenge = resolved.dpop?.required ? dpopChallenge : bearerChallenge
      try {
        const extracted = request === undefined ? bare : extractToken(request, extractOptions)
        if (extracted === undefined) {
          if (compiled.optional) return undefined
          throw new MissingTokenError()
        }
        if (extracted.scheme === 'dpop') challenge = dpopChallenge
        // A cache hit answers synchronously: await only a promise.
        // Only an issuer resolver's opaque tokens need to know where they came from.
        const verdict = compiled.verify(extracted.token, namesIssuers ? { request, issuer } : undefined)
        const { context, cached } = verdict instanceof Promise ? await verdict : verdict
        // The denylist before the binding: a revoked token costs neither a DPoP proof check nor a
        // replay-store round trip. Both are synchronous in the common case: await only a promise.
        const denied = sensitive?.check(context)
        if (denied !== undefined) await denied
        const binding = checkBinding(request ?? NO_REQUEST, extracted, context)
        if (binding !== undefined) await binding
        // The adapter reads it from the request: guards after this answer under the same challenge.
        if (request !== undefined) noteChallenge(request, challenge)
        if (listening)
          emit({
            type: 'accepted',
            strategy: context.strategy,
            issuer: context.issuer,
            route: compiled.name,
            cached,
            durationMs: performance.now() - started,
          })
        return context as AuthContext<C>
      } catch (thrown) {
        const error: TokenError = asTokenError(thrown)
        // An optional route lets a request with another scheme (Basic, …) through, like one with none.
        if (compiled.optional && error.reason === 'unsupported_scheme') return undefined
        error.withChallenge(challenge)
        if (deps.exposeReasons) error.sentDescription = describeWithReason(error)
        if (listening)
          emit({
            type: 'rejected',
            reason: error.reason,
            status: error.status,
            strategy: compiled.strategy,
            route: compiled.name,
            durationMs: performance.now() - started,
          })
        throw error
      }
    }
  }
}
