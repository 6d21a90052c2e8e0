import { TokenError } from '../errors.js'
import { requireAnyScope, requireClaims, requireRoles, requireScopes, type Guard } from '../guards.js'
import type { ResolvedProfile } from '../profiles/types.js'
import { requireStepUp, type StepUpOptions } from '../step-up.js'
import type { AuthContext, DeepReadonly, RouteOptions, TokenClaims } from '../types.js'
import { asDate, quote, type CheckList, type CheckName } from './report.js'

/**
 * The guards a route runs after `requireToken`, as `explain` takes them: each is built with the
 * guard's own factory (so a bad argument is the same `TypeError`) and run on the auth context the
 * token would get, and the report names the claim that decides it.
 */
export interface ExplainGuards {
  /** `requireScopes(...scopes)`: every one is needed. */
  scopes?: readonly string[]
  /** `requireAnyScope(...scopes)`: one is enough. */
  anyScope?: readonly string[]
  /** `requireRoles(...roles)`. */
  roles?: readonly string[]
  /** `requireClaims(check)`: your check over the claims. */
  claims?: (claims: DeepReadonly<TokenClaims>, auth: AuthContext) => boolean
  /** `requireStepUp(options)` (RFC 9470). */
  stepUp?: StepUpOptions
}

/** Route options, the route's guards, and the issuer of an opaque token (with an issuer resolver). */
export interface ExplainOptions extends RouteOptions, ExplainGuards {
  /** With an issuer resolver: the issuer an opaque token belongs to (a request names it via `issuer.fromRequest`). */
  issuer?: string
}

interface CompiledGuard {
  check: CheckName
  guard: Guard
  describe(
    auth: AuthContext,
    profile: ResolvedProfile | undefined,
    passed: boolean,
  ): { detail: string; fix?: string }
}

/** Splits explain options into route options and guards; builds the guards (their `TypeError`s surface here). */
export function compileGuards(
  options: ExplainOptions | undefined,
  now: () => number,
): {
  route: RouteOptions
  guards: CompiledGuard[]
  issuer: string | undefined
} {
  const { scopes, anyScope, roles, claims, stepUp, issuer, ...route } = options ?? {}
  if (issuer !== undefined && typeof issuer !== 'string')
    throw new TypeError('explain: `issuer` must be an issuer URL string')
  const list = (value: unknown, name: string): string[] => {
    if (!Array.isArray(value)) throw new TypeError(`explain: \`${name}\` must be a list of strings`)
    return value as string[]
  }
  const guards: CompiledGuard[] = []
  if (scopes !== undefined) {
    const wanted = list(scopes, 'scopes')
    guards.push({ check: 'scopes', guard: requireScopes(...wanted), describe: scopeWords(wanted, 'all') })
  }
  if (anyScope !== undefined) {
    const wanted = list(anyScope, 'anyScope')
    guards.push({
      check: 'any_scope',
      guard: requireAnyScope(...wanted),
      describe: scopeWords(wanted, 'any'),
    })
  }
  if (roles !== undefined) {
    const wanted = list(roles, 'roles')
    guards.push({ check: 'roles', guard: requireRoles(...wanted), describe: roleWords(wanted) })
  }
  if (claims !== undefined)
    guards.push({
      check: 'claims_check',
      guard: requireClaims(claims),
      describe: (_auth, _profile, passed) =>
        passed
          ? { detail: 'your requireClaims check returns true' }
          : {
              detail: 'your requireClaims check does not return true for these claims',
              fix: 'the claims your check reads decide it: compare them with the claims summary',
            },
    })
  if (stepUp !== undefined)
    guards.push({ check: 'step_up', guard: requireStepUp({ now, ...stepUp }), describe: stepUpWords(stepUp) })
  return { route, guards, issuer }
}

/** Runs each guard on the context, in the order a route would declare them; the first failure decides. */
export function explainGuards(
  auth: AuthContext,
  profile: ResolvedProfile | undefined,
  guards: readonly CompiledGuard[],
  list: CheckList,
): void {
  for (const { check, guard, describe } of guards) {
    try {
      guard(auth)
      list.pass(check, describe(auth, profile, true).detail)
    } catch (error) {
      if (!(error instanceof TokenError)) {
        list.fail(
          check,
          'internal_error',
          `the guard threw ${error instanceof Error ? error.name : 'a value'}`,
        )
        continue
      }
      const { detail, fix } = describe(auth, profile, false)
      list.fail(check, error.reason, detail, fix)
    }
  }
}

const pathText = (paths: readonly (readonly string[])[]) => paths.map((path) => path.join('.')).join(', ')

function scopeWords(wanted: string[], mode: 'all' | 'any'): CompiledGuard['describe'] {
  return (auth, profile, passed) => {
    const where = profile === undefined ? 'scope, scp' : pathText(profile.scopeClaims)
    const granted = `the token grants ${auth.scopes.length === 0 ? 'no scope' : quote([...auth.scopes])} (read from ${where})`
    if (passed)
      return { detail: `${granted}: the route's ${mode === 'all' ? 'scopes are all' : 'scope is'} there` }
    const missing = wanted.filter((scope) => !auth.scopes.includes(scope))
    return {
      detail: `${granted}; the route needs ${mode === 'all' ? 'every one of' : 'one of'} ${quote(wanted)}, missing ${quote(missing)}`,
      fix:
        `ask the authorization server for ${mode === 'all' ? quote(missing) : `one of ${quote(wanted)}`} for this client; ` +
        "if the provider puts scopes elsewhere, the issuer's profile (scopeClaims) or scopeClaim says where",
    }
  }
}

function roleWords(wanted: string[]): CompiledGuard['describe'] {
  return (auth, profile, passed) => {
    const where =
      profile === undefined || profile.roleClaims.length === 0
        ? 'nowhere (the profile names no role claim)'
        : pathText(profile.roleClaims)
    const granted = `the token grants ${auth.roles.length === 0 ? 'no role' : quote([...auth.roles])} (read from ${where})`
    if (passed) return { detail: `${granted}: every role the route needs is there` }
    const missing = wanted.filter((role) => !auth.roles.includes(role))
    return {
      detail: `${granted}; the route needs ${quote(wanted)}, missing ${quote(missing)}`,
      fix: "assign the role to the user or client at the provider; if roles live elsewhere, set the issuer's profile (roleClaims)",
    }
  }
}

function stepUpWords(options: StepUpOptions): CompiledGuard['describe'] {
  return (auth, _profile, passed) => {
    const { acr, auth_time: authTime } = auth.claims
    const found = `acr ${quote(acr)}, auth_time ${authTime === undefined ? 'absent' : asDate(authTime)}`
    const wants = [
      options.acrValues && `acr one of ${quote([...options.acrValues])}`,
      options.maxAge !== undefined && `a login at most ${options.maxAge} s old`,
    ]
      .filter(Boolean)
      .join(' and ')
    if (passed) return { detail: `${found}: meets ${wants}` }
    return {
      detail: `${found}; the route needs ${wants} (RFC 9470)`,
      fix: 'the client must send the user to sign in again with acr_values / max_age, and use the new token',
    }
  }
}
