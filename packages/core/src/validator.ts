import { InvalidRequestError, InvalidTokenError, MissingTokenError, type TokenError } from './errors.js'
import { safeListener, type EventListener } from './events.js'
import { checkTokenSyntax, extractToken, type ExtractOptions } from './extract.js'
import { createBindingCheck } from './binding.js'
import type { ChallengeContext } from './errors.js'
import { createDenylist, type Denylist } from './denylist/denylist.js'
import {
  entriesForSubject,
  entriesForToken,
  entryForId,
  revocationRequest,
  type RevokeSubjectOptions,
  type RevokeTarget,
} from './denylist/revocation.js'
import { MemoryStore } from './store/memory-store.js'
import { createIntrospectionClient, createOpaqueStrategy } from './introspection/index.js'
import { classifyToken } from './jwt/compact.js'
import { tokenHash } from './cache/token-hash.js'
import { createIssuerKeySets, createIssuerMetadata, type IssuerMetadata } from './keys/issuer-key-sets.js'
import { resolveOptions, type ResolvedOptions, type ValidatorOptions } from './options.js'
import type { RequestLike } from './request.js'
import { asTokenError, noteChallenge } from './respond.js'
import { resolveRoute, type ResolvedRoute } from './route.js'
import { createJwtStrategy } from './strategies/jwt.js'
import type { Store } from './store/store.js'
import type { Claims } from './adapter-kit-types.js'
import type { AuthContext, RouteOptions, TokenClaims } from './types.js'

const VALIDATOR = Symbol.for('tokenguard.validator')

/** Validates a request for one route; returns `undefined` only for an optional route without a token. */
export type Authenticator<C extends TokenClaims = Claims> = (
  request: RequestLike,
) => Promise<AuthContext<C> | undefined>

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
  /** Validates a bare token string. */
  verify(token: string, routeOptions?: RouteOptions): Promise<AuthContext<C>>
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

/** The cheapest test for JWS compact shape, run before any hashing on hybrid routes. */
function hasTwoDots(token: string): boolean {
  const first = token.indexOf('.')
  if (first === -1) return false
  const second = token.indexOf('.', first + 1)
  return second !== -1 && token.indexOf('.', second + 1) === -1
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
  const metadata = createIssuerMetadata(resolved, emit)
  const keySets = resolved.jwt === undefined ? undefined : createIssuerKeySets(resolved, emit, metadata)
  const jwtStrategy =
    resolved.jwt === undefined || keySets === undefined
      ? undefined
      : createJwtStrategy({
          jwt: resolved.jwt,
          issuers: resolved.issuers,
          audiences: resolved.audiences,
          scopeClaim: resolved.scopeClaim,
          profiles: resolved.profiles,
          keySetFor: keySets.keySetFor,
          now: resolved.now,
          emit,
        })
  keySets?.onChange(() => jwtStrategy?.clearCache())
  const store = resolved.store ?? new MemoryStore({ now: resolved.now })
  const checkBinding = createBindingCheck(resolved, store)
  // Only a store the user gives is shared with other instances; the default one would only copy the local cache.
  const opaqueStrategy = createOpaque(resolved, emit, metadata, resolved.store)
  // The mirror starts with the first sensitive route, revocation or ready(): others never pay for it.
  let denylist: Denylist | undefined
  const useDenylist = (): Denylist =>
    (denylist ??= createDenylist({
      store,
      ...resolved.denylist,
      now: resolved.now,
      emit,
      onFingerprint: (fingerprint, shared) => opaqueStrategy?.evictFingerprint(fingerprint, { shared }),
    }))
  const revocationContext = () => ({
    issuers: resolved.issuers,
    nowSeconds: resolved.now() / 1000,
    revocationTtl: resolved.denylist.revocationTtl,
    maxRevocationLifetime: resolved.denylist.maxRevocationLifetime,
  })

  /**
   * The claims of a token that verifies through the JWT strategy's own path (key set, algorithms,
   * issuer allowlist, audience, `typ`), time claims aside; undefined for any token that does not.
   * An outage (the key set cannot be loaded) rejects: a revocation is never silently weaker.
   */
  async function verifiedForRevocation(token: string): Promise<TokenClaims | undefined> {
    if (jwtStrategy === undefined || token.length > resolved.maxTokenLength || !hasTwoDots(token))
      return undefined
    try {
      checkTokenSyntax(token)
      if (classifyToken(token) !== 'jws') return undefined
      return (await jwtStrategy.verifyFresh(token, '', { checkTime: false })).context.claims
    } catch (error) {
      if (error instanceof InvalidTokenError || error instanceof InvalidRequestError) return undefined
      throw error
    }
  }

  async function verifyToken(
    token: string,
    route: ResolvedRoute,
  ): Promise<{ context: AuthContext; cached: boolean }> {
    // A token already verified as a JWT is answered from the cache before any decoding.
    const mayBeJwt = route.strategy === 'jwt' || (route.strategy === 'hybrid' && hasTwoDots(token))
    const peeked = mayBeJwt ? jwtStrategy?.peek(token) : undefined
    if (peeked?.hit !== undefined) return withIntrospection(token, peeked.hit, route)
    checkTokenSyntax(token)
    const shape = classifyToken(token)
    if (shape === 'jwe') throw new InvalidTokenError({ reason: 'encrypted_token' })
    const useJwt = route.strategy === 'jwt' || (route.strategy === 'hybrid' && shape === 'jws')
    if (useJwt) {
      if (shape !== 'jws') throw new InvalidTokenError({ reason: 'wrong_strategy' })
      const cacheKey = peeked?.cacheKey ?? tokenHash(token)
      return withIntrospection(token, await jwtStrategy!.verifyFresh(token, cacheKey), route)
    }
    // Opaque-only routes refuse JWTs outright rather than send them to the introspection endpoint.
    if (shape === 'jws') throw new InvalidTokenError({ reason: 'wrong_strategy' })
    return opaqueStrategy!.verifyDetailed(token, { maxAge: route.cacheMaxAge })
  }

  /** An authorization server that can introspect its JWTs gives a sensitive route live revocation. */
  async function withIntrospection(
    token: string,
    verified: { context: AuthContext; cached: boolean },
    route: ResolvedRoute,
  ) {
    if (route.introspectJwt) await opaqueStrategy!.verify(token, { maxAge: route.cacheMaxAge })
    return verified
  }

  function route(routeOptions?: RouteOptions): Authenticator<C> {
    const compiled = resolveRoute(routeOptions, resolved)
    if (compiled.sensitive) useDenylist()
    return async (request) => {
      const started = performance.now()
      let challenge = resolved.dpop?.required ? dpopChallenge : bearerChallenge
      try {
        const extracted = extractToken(request, extractOptions)
        if (extracted === undefined) {
          if (compiled.optional) return undefined
          throw new MissingTokenError()
        }
        if (extracted.scheme === 'dpop') challenge = dpopChallenge
        const { context, cached } = await verifyToken(extracted.token, compiled)
        // Both are synchronous in the common case (no binding; a fresh mirror): await only a promise.
        const binding = checkBinding(request, extracted, context)
        if (binding !== undefined) await binding
        const denied = compiled.sensitive ? useDenylist().check(context) : undefined
        if (denied !== undefined) await denied
        // The adapter reads it from the request: guards after this answer under the same challenge.
        noteChallenge(request, challenge)
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

  const defaultRoute = route()
  const verifyDefault = route({ optional: false })

  const validator: Validator<C> = {
    [VALIDATOR]: true,
    realm: resolved.realm,
    challenge: resolved.dpop?.required ? dpopChallenge : bearerChallenge,
    route,
    authenticate: (request, routeOptions) =>
      routeOptions === undefined ? defaultRoute(request) : route(routeOptions)(request),
    async verify(token, routeOptions) {
      const authenticate =
        routeOptions === undefined ? verifyDefault : route({ ...routeOptions, optional: false })
      return (await authenticate({ method: 'GET', headers: { authorization: `Bearer ${token}` } }))!
    },
    async revoke(target) {
      const request = revocationRequest(target)
      const entries =
        'id' in request
          ? [entryForId(request.id, revocationContext())]
          : entriesForToken(request.token, await verifiedForRevocation(request.token), revocationContext())
      await useDenylist().add(entries)
    },
    async revokeSubject(subject, options = {}) {
      await useDenylist().add(entriesForSubject(subject, options, revocationContext()))
    },
    async ready() {
      await Promise.all([keySets?.ready(), useDenylist().ready()])
    },
    async close() {
      keySets?.close()
      await denylist?.close()
    },
  }
  return validator
}

function createOpaque(
  resolved: ResolvedOptions,
  emit: EventListener,
  metadata: IssuerMetadata,
  sharedStore: Store | undefined,
) {
  const introspection = resolved.introspection
  if (introspection === undefined) return undefined
  const issuer = resolved.issuers[0]!
  const endpoint = introspection.endpoint ?? (() => metadata.introspectionEndpoint(issuer))
  const client = createIntrospectionClient({
    endpoint,
    clientId: introspection.clientId,
    clientSecret: introspection.clientSecret,
    clientAuth: introspection.clientAuth,
    timeout: introspection.timeout,
    maxResponseBytes: introspection.maxResponseBytes,
    dispatcher: resolved.dispatcher,
    onEvent: emit,
  })
  return createOpaqueStrategy({
    client,
    // A discovered endpoint is unknown here; the issuer names it just as uniquely.
    cacheKeyScope: `${introspection.endpoint ?? issuer}\n${introspection.clientId}`,
    issuers: resolved.issuers,
    audiences: resolved.audiences,
    requireAudience: introspection.requireAudience,
    // Scopes and roles of an answer are read as its issuer's profile says.
    scopeClaim: (claims) => resolved.profiles.get(claims.iss as string) ?? resolved.profiles.get(issuer)!,
    cacheMaxAge: introspection.cacheMaxAge,
    inactiveCacheMaxAge: introspection.inactiveCacheMaxAge,
    defaultCacheMaxAge: introspection.defaultCacheMaxAge,
    cacheMax: introspection.cacheMax,
    clockTolerance: resolved.jwt?.clockTolerance ?? 5,
    now: resolved.now,
    onEvent: emit,
    sharedCache: sharedStore,
  })
}
