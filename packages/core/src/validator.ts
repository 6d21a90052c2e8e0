import { LRUCache } from 'lru-cache'
import { MissingTokenError, type ChallengeContext } from './errors.js'
import { isSilent, safeListener, type EventListener } from './events.js'
import { createBindingCheck } from './binding.js'
import { createDenylist, type Denylist } from './denylist/denylist.js'
import { createRevoker } from './denylist/revoke.js'
import { MemoryStore } from './store/memory-store.js'
import { createIssuerMetadata } from './keys/issuer-key-sets.js'
import { resolveOptions, type ValidatorOptions } from './options.js'
import { routeKey } from './route.js'
import { createRouteCompiler, type Check } from './route-check.js'
import { createStrategies } from './strategies/index.js'
import type { Claims } from './adapter-kit-types.js'
import type { AuthContext, RouteOptions, TokenClaims } from './types.js'
import { explainDeps, explainToken } from './explain/index.js'
import { resolveExposeErrorReasons } from './explain/expose-reasons.js'
import { VALIDATOR, type Authenticator, type Validator } from './validator-types.js'

export { isValidator } from './validator-types.js'
export type { Authenticator, Validator, VerifyOptions } from './validator-types.js'

/** A token that `Bearer <token>` extraction would hand back unchanged. */
function isPlainToken(token: unknown, maxTokenLength: number): boolean {
  return (
    typeof token === 'string' &&
    token.length > 0 &&
    token.length <= maxTokenLength &&
    token.charCodeAt(0) !== 0x20
  )
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

  const compile = createRouteCompiler<C>({
    resolved,
    strategies,
    checkBinding,
    useDenylist,
    emit,
    listening,
    exposeReasons,
    bearerChallenge,
    dpopChallenge,
  })

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
