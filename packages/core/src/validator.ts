import { LRUCache } from 'lru-cache'
import { MissingTokenError, type ChallengeContext, type TokenError } from './errors.js'
import { isSilent, safeListener, type EventListener } from './events.js'
import { extractToken, type ExtractedToken, type ExtractOptions } from './extract.js'
import { createBindingCheck } from './binding.js'
import { createDenylist, type Denylist } from './denylist/denylist.js'
import type { RevokeSubjectOptions, RevokeTarget } from './denylist/revocation.js'
import { createRevoker } from './denylist/revoke.js'
import { MemoryStore } from './store/memory-store.js'
import { createIssuerMetadata } from './keys/issuer-key-sets.js'
import { resolveOptions, type ValidatorOptions } from './options.js'
import type { RequestLike } from './request.js'
import { asTokenError, noteChallenge } from './respond.js'
import { compileRoute, routeKey } from './route.js'
import { createStrategies } from './strategies/index.js'
import type { Claims } from './adapter-kit-types.js'
import type { AuthContext, RouteOptions, TokenClaims } from './types.js'
import { explainDeps, explainToken, type ExplainOptions, type ExplainReport } from './explain/index.js'
import { describeWithReason, resolveExposeErrorReasons } from './explain/expose-reasons.js'

const VALIDATOR = Symbol.for('tokenguard.validator')

/** Validates a request for one route; returns `undefined` only for an optional route without a token. */
export type Authenticator<C extends TokenClaims = Claims> = (
  request: RequestLike,
) => Promise<AuthContext<C> | undefined>

/** Route options of a direct `verify`, and the issuer an opaque token is introspected at (issuer resolver). */
export interface VerifyOptions extends RouteOptions {
  issuer?: string
}

export interface Validator<C extends TokenClaims = Claims> {
  readonly [VALIDATOR]: true
  /** `realm` of this validator's challenges. */
  readonly realm: string
  /** The challenge a request without a token gets (RFC 6750 §3): adapters hand it to guards as data. */
  readonly challenge: ChallengeContext
  /** Builds the per-route authenticator once (route options are checked here, never per request). */
  route(routeOptions?: RouteOptions): Authenticator<C>
  /** Extracts and validates the request's token; throws a `TokenError`. */
  authenticate(request: RequestLike, routeOptions?: RouteOptions): Promise<AuthContext<C> | undefined>
  /**
   * Validates a bare token string. With an issuer resolver, `issuer` names the issuer of an opaque
   * token (a request would name it through `issuer.fromRequest`); a JWT names its own.
   */
  verify(token: string, routeOptions?: VerifyOptions): Promise<AuthContext<C>>
  /**
   * Why `token` would be accepted or refused on a route with these route options and guards
   * (`scopes`, `anyScope`, `roles`, `claims`, `stepUp`): every check in order, in plain words,
   * naming the option or claim that would change the outcome. With an issuer resolver, `issuer`
   * names an opaque token's issuer. A DPoP proof or client certificate needs a request: the report
   * says when one is needed, and that it cannot check it. Fetches metadata and keys like a request
   * would; caches no verdict, revokes nothing, emits no accepted or rejected event, and never
   * includes the token.
   */
  explain(token: string, options?: ExplainOptions): Promise<ExplainReport>
  /**
   * Revokes a token on every instance sharing the store; sensitive routes refuse it once this
   * resolves. Takes the token as presented, the `AuthContext` of a request (logout:
   * `tokens.revoke(req.auth)`), or a JWT's `{ jti, iss, exp }`. A token's claims count only once
   * it verifies (signature and trusted issuer; an expired token may be revoked): then its
   * fingerprint and `jti` are revoked until its `exp`. A token that does not verify (or an opaque
   * one) is revoked by fingerprint for `denylist.revocationTtl`. `{ jti, iss, exp }` needs a trusted
   * `iss` and lives at most `denylist.maxRevocationLifetime`. An opaque token is also dropped from
   * every introspection cache. Rejects with a `TypeError` for any other argument, and with the
   * `UnavailableError` when the key set cannot be loaded to verify the token (nothing is recorded).
   *
   * @example
   * app.post('/logout', requireToken(tokens), async (req, res) => {
   *   await tokens.revoke(req.auth)
   *   res.status(204).end()
   * })
   */
  revoke(target: RevokeTarget): Promise<void>
  /** Refuses, on sensitive routes, every token of `sub` issued before `issuedBefore` (default now). */
  revokeSubject(subject: string, options?: RevokeSubjectOptions): Promise<void>
  /** Resolves once the key sets (and, with a store, the denylist mirror) are loaded. */
  ready(): Promise<void>
  /** Releases timers and connections. */
  close(): Promise<void>
}

/** A compiled route: from a request, or (`verify`) from a bare token and the issuer it names. */
type Check<C extends TokenClaims> = (
  request: RequestLike | undefined,
  bare: ExtractedToken | undefined,
  issuer?: string,
) => Promise<AuthContext<C> | undefined>

/** The request a binding check sees for a bare token: no proof, no certificate (never written to). */
const NO_REQUEST: RequestLike = Object.freeze({ method: 'GET', headers: Object.freeze({}) })

/** A token that `Bearer <token>` extraction would hand back unchanged. */
function isPlainToken(token: unknown, maxTokenLength: number): boolean {
  return (
    typeof token === 'string' &&
    token.length > 0 &&
    token.length <= maxTokenLength &&
    token.charCodeAt(0) !== 0x20
  )
}

export function isValidator(value: unknown): value is Validator {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[VALIDATOR] === true
}

/**
 * Creates a validator: the object every route of an API shares (its key sets, caches and
 * denylist). Options are checked here, once; a bad one is a `TypeError` that names it.
 *
 * @example
 * const tokens = createValidator({
 *   issuer: 'https://login.example.com/',
 *   audience: 'https://api.example.com',
 *   jwt: { algorithms: ['RS256'] },
 * })
 * const auth = await tokens.authenticate({ method: 'GET', headers: { authorization: 'Bearer …' } })
 */
export function createValidator<C extends TokenClaims = Claims>(options: ValidatorOptions): Validator<C> {
  const resolved = resolveOptions(options)
  const emit: EventListener = safeListener(resolved.onEvent)
  // With no listener, requests build no event and read no clock for one.
  const listening = !isSilent(emit)
  const extractOptions: ExtractOptions = {
    allowBodyToken: resolved.allowBodyToken,
    allowQueryToken: resolved.allowQueryToken,
    maxTokenLength: resolved.maxTokenLength,
    allowDpop: resolved.dpop !== undefined,
    deferSyntaxCheck: true,
  }
  const resourceParams =
    resolved.resourceMetadata === undefined ? undefined : { resource_metadata: resolved.resourceMetadata }
  const bearerChallenge: ChallengeContext = {
    realm: resolved.realm,
    scheme: 'Bearer',
    params: resourceParams,
  }
  const dpopChallenge: ChallengeContext = {
    realm: resolved.realm,
    scheme: 'DPoP',
    params: { algs: resolved.dpop?.algorithms.join(' ') ?? '', ...resourceParams },
  }
  const exposeReasons = resolveExposeErrorReasons(options.exposeErrorReasons)
  const metadata = createIssuerMetadata(resolved, emit)
  const store = resolved.store ?? new MemoryStore({ now: resolved.now })
  const strategies = createStrategies(resolved, emit, metadata, resolved.store)
  const checkBinding = createBindingCheck(resolved, store)
  // The mirror starts with the first sensitive route, revocation or ready(): others never pay for it.
  let denylist: Denylist | undefined
  const useDenylist = (): Denylist =>
    (denylist ??= createDenylist({
      store,
      maxStaleness: resolved.denylist.maxStalenessMs,
      heartbeatInterval: resolved.denylist.heartbeatIntervalMs,
      pollInterval: resolved.denylist.pollIntervalMs,
      fallbackToStore: resolved.denylist.fallbackToStore,
      now: resolved.now,
      emit,
      onFingerprint: (fingerprint, shared) => strategies.opaque?.evictFingerprint(fingerprint, { shared }),
    }))
  const revoker = createRevoker(resolved, strategies.jwt, useDenylist)
  const namesIssuers = resolved.issuerResolver !== undefined

  /**
   * A route's check, compiled once: `request` is the request to extract from, or undefined for
   * `verify(token)`, whose bare token is taken as a `Bearer` header would carry it.
   */
  function compile(routeOptions?: RouteOptions): Check<C> {
    const compiled = compileRoute(routeOptions, resolved, strategies)
    const sensitive = compiled.sensitive ? useDenylist() : undefined
    return async (request, bare, issuer) => {
      const started = listening ? performance.now() : 0
      let challenge = resolved.dpop?.required ? dpopChallenge : bearerChallenge
      try {
        const extracted = request === undefined ? bare! : extractToken(request, extractOptions)
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
        if (exposeReasons) error.sentDescription = describeWithReason(error)
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

  function route(routeOptions?: RouteOptions): Authenticator<C> {
    const check = compile(routeOptions)
    return (request) => check(request, undefined)
  }

  // `authenticate(req, options)` and `verify(token, options)` reuse one compiled route per distinct
  // route policy (bounded: a policy past the bound is compiled for its call only); without options,
  // the default route is compiled once, on first use.
  const compiledRoutes = new LRUCache<string, Check<C>>({ max: 256 })
  const defaults: { authenticate?: Check<C>; verify?: Check<C> } = {}
  const cachedRoute = (routeOptions: RouteOptions | undefined, verifying: boolean): Check<C> => {
    if (routeOptions === undefined)
      return verifying
        ? (defaults.verify ??= compile({ optional: false }))
        : (defaults.authenticate ??= compile(undefined))
    const key = `${verifying}:${routeKey(routeOptions)}`
    let check = compiledRoutes.get(key)
    if (check === undefined) {
      check = compile(verifying ? { ...routeOptions, optional: false } : routeOptions)
      compiledRoutes.set(key, check)
    }
    return check
  }

  const validator: Validator<C> = {
    [VALIDATOR]: true,
    realm: resolved.realm,
    challenge: resolved.dpop?.required ? dpopChallenge : bearerChallenge,
    route,
    authenticate: (request, routeOptions) => cachedRoute(routeOptions, false)(request, undefined),
    async verify(token, verifyOptions) {
      let routeOptions: RouteOptions | undefined = verifyOptions
      let issuer: string | undefined
      if (verifyOptions?.issuer !== undefined) {
        ;({ issuer, ...routeOptions } = verifyOptions)
        if (typeof issuer !== 'string') throw new TypeError('verify: `issuer` must be an issuer URL string')
        if (!namesIssuers)
          throw new TypeError(
            "verify: `issuer` names an opaque token's issuer for an issuer resolver; this validator lists its issuers",
          )
      }
      const check = cachedRoute(routeOptions, true)
      // A plain token is what `Authorization: Bearer <token>` would carry: no request is built.
      // Anything else (not a string, empty, a leading space, too long) takes the header's path.
      const context = isPlainToken(token, resolved.maxTokenLength)
        ? await check(undefined, { token, scheme: 'bearer', location: 'header' }, issuer)
        : await check({ method: 'GET', headers: { authorization: `Bearer ${token}` } }, undefined, issuer)
      // A route with `optional: false` never answers undefined: no token is a MissingTokenError.
      if (context === undefined) throw new MissingTokenError()
      return context
    },
    async explain(token, options) {
      if (typeof token !== 'string') throw new TypeError('explain: `token` must be a string')
      const parts = {
        resolved,
        strategies,
        metadata,
        checkDenylist: (context: AuthContext) => useDenylist().check(context),
      }
      return explainToken(token, explainDeps(parts, options))
    },
    revoke: revoker.revoke,
    revokeSubject: revoker.revokeSubject,
    async ready() {
      await Promise.all([strategies.keySets?.ready(), useDenylist().ready()])
    },
    async close() {
      strategies.keySets?.close()
      await denylist?.close()
    },
  }
  return validator
}
