import type {
  AdapterRouteOptions,
  Claims,
  ClaimsCheck,
  ErrorMode,
  RequestState,
} from './adapter-kit-types.js'
import type { ChallengeContext, TokenError } from './errors.js'
import { requireAnyScope, requireClaims, requireRoles, requireScopes, type Guard } from './guards.js'
import type { ValidatorOptions } from './options.js'
import type { RequestLike } from './request.js'
import { asTokenError, toErrorResponse, type ErrorResponse } from './respond.js'
import { requireStepUp, type StepUpOptions } from './step-up.js'
import type { AuthContext, TokenClaims } from './types.js'
import { createValidator, isValidator, type Validator } from './validator.js'

/**
 * What every adapter shares, so that an adapter holds only its framework's translation: preparing
 * a route, the guards, the refusal (the error response or the error to hand on) and the success
 * headers. A new adapter (Hono, Bun, Deno over the WHATWG `Request`: see `fromFetchRequest`) maps
 * its request to a `RequestLike`, calls these, and writes what they return.
 */

/**
 * A refused request: the `TokenError`, and the response to send unless the route hands errors to
 * the framework (`errors: 'next'`: `response` is undefined, pass `error` on).
 */
export interface Refusal {
  readonly error: TokenError
  readonly response: ErrorResponse | undefined
}

/** The refusal for anything thrown while validating; a fault that is no `TokenError` is a 503. */
export function refusal(thrown: unknown, errors: ErrorMode = 'respond'): Refusal {
  const error = asTokenError(thrown)
  return { error, response: errors === 'next' ? undefined : toErrorResponse(error) }
}

/**
 * The object an adapter keeps `auth` on (`req`, `ctx.state`, `request`): the kit writes the auth
 * context there, and beside it the `RequestState` the guards after `requireToken` read.
 */
export interface AuthHolder<C extends TokenClaims = Claims> {
  auth?: AuthContext<C> | undefined
  tokenguard?: RequestState | undefined
}

/** What the adapter still writes itself: the refusal, or the success response's headers. */
export interface Settled {
  readonly refusal?: Refusal
  /** A fresh `DPoP-Nonce` with its `Cache-Control` (RFC 9449 §8.2), when the proof's nonce is aging. */
  readonly headers?: Record<string, string>
}

export interface PreparedRoute<C extends TokenClaims = Claims> {
  readonly validator: Validator<C>
  /** Validates one request and records the outcome on `holder`; never rejects (a refusal is settled). */
  run(request: RequestLike, holder: AuthHolder<C>): Promise<Settled>
}

/** A validator, or its options for the one-route case (one validator built when the route is declared). */
export type ValidatorInput<C extends TokenClaims = Claims> = Validator<C> | ValidatorOptions

/** The validator itself, or one built from its options (once, when the route is declared). */
export function toValidator<C extends TokenClaims = Claims>(given: ValidatorInput<C>): Validator<C> {
  // Needed where an app augments the claims interface: isValidator narrows to the augmented default.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  return isValidator(given) ? (given as Validator<C>) : createValidator<C>(given as ValidatorOptions)
}

/** Checks `errors` where it enters (a `TypeError` naming it), never per request. */
export function checkErrorMode(errors: unknown): ErrorMode {
  if (errors !== undefined && errors !== 'respond' && errors !== 'next')
    throw new TypeError('requireToken: `errors` must be respond or next')
  return errors ?? 'respond'
}

/**
 * `requireToken(validatorOrOptions, routeOptions)` on any framework: route options are checked
 * and the route compiled here, once; `run` is the per-request part.
 */
export function prepareRoute<C extends TokenClaims = Claims>(
  given: ValidatorInput<C>,
  routeOptions: AdapterRouteOptions = {},
): PreparedRoute<C> {
  if (routeOptions === null || typeof routeOptions !== 'object')
    throw new TypeError('requireToken: route options must be an object')
  const { errors: mode, ...route } = routeOptions
  const errors = checkErrorMode(mode)
  const validator = toValidator(given)
  const authenticate = validator.route(route)
  // A request let through without a token: a guard after it names this validator's realm.
  const noToken: RequestState = { errors, challenge: validator.challenge }
  // The state of an accepted request, one per challenge (a validator has two: Bearer and DPoP),
  // built once rather than per request.
  const states = new WeakMap<ChallengeContext, RequestState>()
  const stateFor = (challenge: ChallengeContext): RequestState => {
    let state = states.get(challenge)
    if (state === undefined) states.set(challenge, (state = { errors, challenge }))
    return state
  }
  return {
    validator,
    async run(request, holder) {
      try {
        const auth = await authenticate(request)
        const answer = request.answer
        holder.tokenguard = answer?.challenge === undefined ? noToken : stateFor(answer.challenge)
        holder.auth = auth
        return answer?.headers === undefined ? ACCEPTED : { headers: answer.headers }
      } catch (thrown) {
        holder.tokenguard = noToken
        return { refusal: refusal(thrown, errors) }
      }
    },
  }
}

/** The outcome of an accepted request with no header to add: one shared object. */
const ACCEPTED: Settled = Object.freeze({})

/**
 * Runs a core guard for one request, under the state `requireToken` left on `holder` (else the
 * guard's own `bound` one): undefined when it passes, the refusal otherwise.
 */
export function checkGuard(
  guard: Guard,
  holder: AuthHolder,
  bound: RequestState | undefined,
): Refusal | undefined {
  const state = holder.tokenguard ?? bound
  try {
    guard(holder.auth, state?.challenge)
    return undefined
  } catch (thrown) {
    return refusal(thrown, state?.errors)
  }
}

/** The guards of one adapter, each returning its framework's middleware `M`. */
export interface GuardSet<M> {
  /** All of `scopes` are required (403 `insufficient_scope` naming them otherwise). */
  requireScopes(...scopes: string[]): M
  /** Any one of `scopes` is enough. */
  requireAnyScope(...scopes: string[]): M
  /** All of `roles` are required (403 `insufficient_scope`); where roles live is the issuer profile's say. */
  requireRoles(...roles: string[]): M
  /** A check of your own over the token's claims; `false` is 401 `invalid_token`. */
  requireClaims<C extends TokenClaims = Claims>(check: ClaimsCheck<C>): M
  /** A stronger or more recent login (RFC 9470): 401 `insufficient_user_authentication` otherwise. */
  requireStepUp(options: StepUpOptions): M
}

/**
 * An adapter's guards from one wrapper: `wrap(guard, bound)` turns a core guard into the
 * framework's middleware. `bound` is the state of guards made by `guardsFor(validator)`: used when
 * no `requireToken` ran before them, so a request without a token gets the validator's challenge.
 */
export function adaptGuards<M>(
  wrap: (guard: Guard, bound: RequestState | undefined) => M,
): GuardSet<M> & { guardsFor(validator: Validator): GuardSet<M> } {
  const set = (bound: RequestState | undefined): GuardSet<M> => ({
    requireScopes: (...scopes) => wrap(requireScopes(...scopes), bound),
    requireAnyScope: (...scopes) => wrap(requireAnyScope(...scopes), bound),
    requireRoles: (...roles) => wrap(requireRoles(...roles), bound),
    requireClaims: (check) => wrap(requireClaims(check), bound),
    requireStepUp: (options) => wrap(requireStepUp(options), bound),
  })
  return {
    ...set(undefined),
    guardsFor(validator) {
      if (!isValidator(validator)) throw new TypeError('guardsFor: pass a validator (createValidator)')
      return set({ errors: 'respond', challenge: validator.challenge })
    },
  }
}
