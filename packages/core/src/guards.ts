import {
  InsufficientScopeError,
  InvalidTokenError,
  MissingTokenError,
  type ChallengeContext,
  type TokenError,
} from './errors.js'
import { missingScopes } from './scopes.js'
import type { AuthContext, DeepReadonly, TokenClaims } from './types.js'
import { isValidator } from './validator.js'

/**
 * Route guards: pure checks over the auth context that throw a `TokenError`. Each adapter wraps
 * them in its framework's middleware shape (through the adapter kit); the logic lives here once.
 * `challenge` is the request's challenge (realm, scheme, parameters: RFC 6750 §3), passed as data
 * by the adapter: the validator's that accepted the token, or the one a request without a token
 * gets; a refusal is answered under it.
 */
export type Guard = (auth: AuthContext | undefined, challenge?: ChallengeContext) => void

/**
 * The challenge of `validator` for a request without a token: a guard that finds no auth context
 * (an optional route, or no `requireToken` at all) answers 401 under the same realm, scheme and
 * parameters as the validator's own.
 */
export function noTokenChallenge(validator: object | undefined): ChallengeContext | undefined {
  return isValidator(validator) ? validator.challenge : undefined
}

function under<E extends TokenError>(error: E, challenge: ChallengeContext | undefined): E {
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
  challenge: ChallengeContext | undefined,
): asserts auth is AuthContext {
  if (auth === undefined) throw under(new MissingTokenError(), challenge)
}

/** Every one of `scopes` must be granted; 403 `insufficient_scope` naming them otherwise. */
export function requireScopes(...scopes: string[]): Guard {
  checkScopeArguments('requireScopes', scopes)
  return (auth, challenge) => {
    requireAuth(auth, challenge)
    if (missingScopes(auth.scopes, scopes).length > 0) {
      throw under(new InsufficientScopeError({ scope: scopes }), challenge)
    }
  }
}

/** At least one of `scopes` must be granted. */
export function requireAnyScope(...scopes: string[]): Guard {
  checkScopeArguments('requireAnyScope', scopes)
  return (auth, challenge) => {
    requireAuth(auth, challenge)
    if (!scopes.some((scope) => auth.scopes.includes(scope))) {
      throw under(new InsufficientScopeError({ scope: scopes }), challenge)
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
  return (auth, challenge) => {
    requireAuth(auth, challenge)
    if (!roles.every((role) => auth.roles.includes(role))) {
      throw under(
        new InsufficientScopeError({
          reason: 'insufficient_role',
          description: 'The access token lacks a required role',
        }),
        challenge,
      )
    }
  }
}

/** A check of your own over the claims; `false` is a 401 `invalid_token` (reason `claims_check_failed`). */
export function requireClaims<C extends TokenClaims = TokenClaims>(
  check: (claims: DeepReadonly<C>, auth: AuthContext<C>) => boolean,
): Guard {
  if (typeof check !== 'function') throw new TypeError('requireClaims: pass a function (claims) => boolean')
  return (auth, challenge) => {
    requireAuth(auth, challenge)
    if (check(auth.claims as DeepReadonly<C>, auth as AuthContext<C>) !== true) {
      throw under(new InvalidTokenError({ reason: 'claims_check_failed' }), challenge)
    }
  }
}
