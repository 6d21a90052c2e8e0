import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import {
  asTokenError,
  createValidator,
  fromNodeRequest,
  isValidator,
  noTokenChallenge,
  requireAnyScope as anyScopeGuard,
  requireClaims as claimsGuard,
  requireRoles as rolesGuard,
  requireScopes as scopesGuard,
  requireStepUp as stepUpGuard,
  responseHeaders,
  toErrorResponse,
  type AuthContext,
  type ChallengeContext,
  type DeepReadonly,
  type Guard,
  type RouteOptions,
  type StepUpOptions,
  type TokenClaims,
  type Validator,
  type ValidatorOptions,
} from '@tokenguard/core'

export * from '@tokenguard/core'

export interface FastifyRouteOptions extends RouteOptions {
  /** `respond` (default): answer token errors here (RFC 6750 status, header, JSON). `next`: throw them to Fastify's error handler. */
  errors?: 'respond' | 'next'
}

/** An async hook for `onRequest`, `preValidation` (form-body tokens) or `preHandler`. */
export type TokenHook = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>

/** `{ validator }` (a shared validator, or its options), or the validator's options inline. */
export type TokenguardOptions = { validator: Validator | ValidatorOptions } | ValidatorOptions

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireToken` once the token is accepted; null until then and on an optional route without a token. */
    auth: AuthContext | null
  }
  interface FastifyInstance {
    /** A hook validating the bearer token with the plugin's validator: `onRequest: app.requireToken({ … })`. */
    requireToken(routeOptions?: FastifyRouteOptions): TokenHook
    /** Guards, as hooks: `preHandler: app.requireScopes('items:write')`. */
    requireScopes: typeof requireScopes
    requireAnyScope: typeof requireAnyScope
    requireClaims: typeof requireClaims
    requireRoles: typeof requireRoles
    requireStepUp: typeof requireStepUp
  }
}

const ERROR_MODE = Symbol('tokenguard.errors')
const NO_TOKEN = Symbol('tokenguard.noToken')
type TaggedRequest = FastifyRequest & { [ERROR_MODE]?: 'respond' | 'next'; [NO_TOKEN]?: ChallengeContext }

/**
 * A hook that validates the bearer token and sets `request.auth`; the plugin's `app.requireToken` is
 * this with the plugin's validator.
 *
 * @example
 * app.get('/items', { onRequest: requireToken(tokens), preHandler: requireScopes('items:read') }, handler)
 */
export function requireToken(
  validatorOrOptions: Validator | ValidatorOptions,
  routeOptions: FastifyRouteOptions = {},
): TokenHook {
  const { errors = 'respond', ...route } = routeOptions
  if (errors !== 'respond' && errors !== 'next')
    throw new TypeError('requireToken: `errors` must be respond or next')
  // Inline options build one validator here, when the route is declared, never per request.
  const validator = toValidator(validatorOrOptions)
  const authenticate = validator.route(route)
  const noToken = noTokenChallenge(validator)
  return async function requireToken(request: TaggedRequest, reply) {
    request[ERROR_MODE] = errors
    // A guard after an optional route that let the request through names this validator's realm.
    request[NO_TOKEN] = noToken
    try {
      // The body is parsed only from `preValidation` on: a form-body token needs the hook there.
      const requestLike = fromNodeRequest(request.raw, { url: request.url, body: request.body })
      const auth = await authenticate(requestLike)
      // A fresh DPoP-Nonce (RFC 9449 §8.2) and its Cache-Control, when core has one for this request.
      const headers = responseHeaders(requestLike)
      if (headers !== undefined) reply.headers(headers)
      request.auth = auth ?? null
    } catch (error) {
      return fail(request, reply, error)
    }
  }
}

/** All of `scopes` are required (403 `insufficient_scope` otherwise). */
export function requireScopes(...scopes: string[]): TokenHook {
  return guard(scopesGuard(...scopes))
}

/** Any one of `scopes` is enough. */
export function requireAnyScope(...scopes: string[]): TokenHook {
  return guard(anyScopeGuard(...scopes))
}

/** All of `roles` are required (403 `insufficient_scope` otherwise); where roles live is the issuer profile's say. */
export function requireRoles(...roles: string[]): TokenHook {
  return guard(rolesGuard(...roles))
}

/** A check of your own over the token's claims. */
export function requireClaims<C extends TokenClaims = TokenClaims>(
  check: (claims: DeepReadonly<C>, auth: AuthContext<C>) => boolean,
): TokenHook {
  return guard(claimsGuard(check))
}

/** A stronger or more recent login (RFC 9470): 401 `insufficient_user_authentication` otherwise. */
export function requireStepUp(options: StepUpOptions): TokenHook {
  return guard(stepUpGuard(options))
}

/** The guards bound to a validator: without a token they answer 401 under its realm. */
export interface Guards {
  requireScopes: typeof requireScopes
  requireAnyScope: typeof requireAnyScope
  requireRoles: typeof requireRoles
  requireClaims: typeof requireClaims
  requireStepUp: typeof requireStepUp
}

/**
 * The guards bound to `validator` (the plugin's `app.requireScopes` and friends are these): a
 * request that reaches them without a token gets the validator's challenge.
 */
export function guardsFor(validator: Validator): Guards {
  const noToken = noTokenChallenge(validator)
  return {
    requireScopes: (...scopes) => guard(scopesGuard(...scopes), noToken),
    requireAnyScope: (...scopes) => guard(anyScopeGuard(...scopes), noToken),
    requireRoles: (...roles) => guard(rolesGuard(...roles), noToken),
    requireClaims: (check) => guard(claimsGuard(check), noToken),
    requireStepUp: (options) => guard(stepUpGuard(options), noToken),
  }
}

function guard(check: Guard, bound?: ChallengeContext): TokenHook {
  return async function requireGuard(request: TaggedRequest, reply) {
    try {
      check(request.auth ?? undefined, request[NO_TOKEN] ?? bound)
    } catch (error) {
      return fail(request, reply, error)
    }
  }
}

function fail(request: TaggedRequest, reply: FastifyReply, thrown: unknown): FastifyReply {
  const error = asTokenError(thrown)
  // Fastify's default error handler applies `status` and `headers`; a custom one receives the TokenError.
  if (request[ERROR_MODE] === 'next') throw error
  const { status, headers, body } = toErrorResponse(error)
  // Returning the reply tells Fastify the hook answered; the route handler does not run.
  return reply.code(status).headers(headers).send(body)
}

function toValidator(given: Validator | ValidatorOptions): Validator {
  return isValidator(given) ? given : createValidator(given)
}

async function plugin(app: FastifyInstance, options: TokenguardOptions): Promise<void> {
  const given = 'validator' in options ? options.validator : options
  const validator = toValidator(given)
  // A validator built here is ours to close; one passed in belongs to the caller.
  if (validator !== given) app.addHook('onClose', () => validator.close())
  // `null` here, the context per request: a decorated object would be one reference shared by all requests.
  app.decorateRequest('auth', null)
  app.decorate('requireToken', (routeOptions?: FastifyRouteOptions) => requireToken(validator, routeOptions))
  // Bound to the plugin's validator: a guard on a route without requireToken still names its realm.
  const guards = guardsFor(validator)
  app.decorate('requireScopes', guards.requireScopes)
  app.decorate('requireAnyScope', guards.requireAnyScope)
  app.decorate('requireClaims', guards.requireClaims)
  app.decorate('requireRoles', guards.requireRoles)
  app.decorate('requireStepUp', guards.requireStepUp)
}

/**
 * The plugin: `app.register(tokenguard, { validator })`. fastify-plugin lifts its decorators out of
 * encapsulation, so register it once, at the root; every child context can then use `app.requireToken`.
 */
export const tokenguard = fp(plugin, { fastify: '5.x', name: '@tokenguard/fastify' })
export default tokenguard
