import {
  InsufficientScopeError,
  InvalidTokenError,
  MissingTokenError,
  type ChallengeContext,
  type TokenError,
} from './errors.js'
import { missingScopes } from './scopes.js'
import type { AuthContext, DeepReadonly, TokenClaims } from './types.js'

/**
 * Route guards: pure checks over the auth context that throw a `TokenError`. Each adapter wraps
 * them in its framework's middleware shape; the logic lives here once.
 */
export type Guard = (auth: AuthContext | undefined, noToken?: ChallengeContext) => void

const challenges = new WeakMap<AuthContext, ChallengeContext>()
const validatorChallenges = new WeakMap<object, ChallengeContext>()

/** Remembers the challenge a validator answers a request without a token with (RFC 6750 §3). */
export function bindNoTokenChallenge(validator: object, challenge: ChallengeContext): void {
  validatorChallenges.set(validator, challenge)
}

/**
 * The challenge of `validator` for a request without a token: adapters hand it to a guard that
 * finds no auth context (an optional route, or no `requireToken` at all), so the guard's 401 names
 * the same realm, scheme and parameters as the validator's own.
 */
export function noTokenChallenge(validator: object | undefined): ChallengeContext | undefined {
  return validator === undefined ? undefined : validatorChallenges.get(validator)
}

/** Remembers which validator a context came from, so a guard's challenge names its realm. */
export function bindChallenge(auth: AuthContext, challenge: ChallengeContext): void {
  challenges.set(auth, challenge)
}

/** The challenge context of the validator that accepted `auth` (for guards and step-up checks). */
export function challengeOf(auth: AuthContext): ChallengeContext | undefined {
  return challenges.get(auth)
}

function withRealm<E extends TokenError>(error: E, auth: AuthContext | undefined): E {
  const challenge = auth === undefined ? undefined : challenges.get(auth)
  return challenge === undefined ? error : error.withChallenge(challenge)
}

function checkScopeArguments(name: string, scopes: readonly string[]): void {
  if (scopes.length === 0) throw new TypeError(`${name}: name at least one scope`)
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)) {
      throw new TypeError(`${name}: "${String(scope)}" is not a valid scope (RFC 6749 §3.3)`)
    }
  }
}

/** No token accepted: 401 with no error code, under the validator's challenge when the adapter knows it. */
export function requireAuth(
  auth: AuthContext | undefined,
  noToken: ChallengeContext | undefined,
): asserts auth is AuthContext {
  if (auth === undefined) {
    const error = new MissingTokenError()
    throw noToken === undefined ? error : error.withChallenge(noToken)
  }
}

/** Every one of `scopes` must be granted; 403 `insufficient_scope` naming them otherwise. */
export function requireScopes(...scopes: string[]): Guard {
  checkScopeArguments('requireScopes', scopes)
  return (auth, noToken) => {
    requireAuth(auth, noToken)
    if (missingScopes(auth.scopes, scopes).length > 0) {
      throw withRealm(new InsufficientScopeError({ scope: scopes }), auth)
    }
  }
}

/** At least one of `scopes` must be granted. */
export function requireAnyScope(...scopes: string[]): Guard {
  checkScopeArguments('requireAnyScope', scopes)
  return (auth, noToken) => {
    requireAuth(auth, noToken)
    if (!scopes.some((scope) => auth.scopes.includes(scope))) {
      throw withRealm(new InsufficientScopeError({ scope: scopes }), auth)
    }
  }
}

/**
 * Every one of `roles` must be granted (read where the issuer's profile says: `roles`,
 * `realm_access.roles`, `cognito:groups`, …); 403 `insufficient_scope` otherwise (RFC 6750 §3.1:
 * the request needs more privilege than the token carries). Roles are not scopes, so no `scope`
 * parameter is sent.
 */
export function requireRoles(...roles: string[]): Guard {
  if (roles.length === 0) throw new TypeError('requireRoles: name at least one role')
  for (const role of roles) {
    const control = (char: string) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f
    if (typeof role !== 'string' || role.length === 0 || [...role].some(control)) {
      throw new TypeError(`requireRoles: "${String(role)}" is not a valid role name`)
    }
  }
  return (auth, noToken) => {
    requireAuth(auth, noToken)
    if (!roles.every((role) => auth.roles.includes(role))) {
      throw withRealm(
        new InsufficientScopeError({
          reason: 'insufficient_role',
          description: 'The access token lacks a required role',
        }),
        auth,
      )
    }
  }
}

/** A check of your own over the claims; `false` is a 401 `invalid_token` (reason `claims_check_failed`). */
export function requireClaims<C extends TokenClaims = TokenClaims>(
  check: (claims: DeepReadonly<C>, auth: AuthContext<C>) => boolean,
): Guard {
  if (typeof check !== 'function') throw new TypeError('requireClaims: pass a function (claims) => boolean')
  return (auth, noToken) => {
    requireAuth(auth, noToken)
    if (check(auth.claims as DeepReadonly<C>, auth as AuthContext<C>) !== true) {
      throw withRealm(new InvalidTokenError({ reason: 'claims_check_failed' }), auth)
    }
  }
}
