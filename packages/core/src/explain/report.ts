import type { RejectReason } from '../errors.js'

/** The checks `explain` reports, in the order the validator runs them. */
export type CheckName =
  | 'token'
  | 'strategy'
  | 'alg'
  | 'header'
  | 'issuer'
  | 'typ'
  | 'metadata'
  | 'keys'
  | 'kid'
  | 'signature'
  | 'aud'
  | 'required_claims'
  | 'claim_values'
  | 'claim_types'
  | 'exp'
  | 'nbf'
  | 'iat'
  | 'binding'
  | 'introspection'
  | 'active'
  | 'token_type'
  | 'denylist'
  | 'scopes'
  | 'any_scope'
  | 'roles'
  | 'claims_check'
  | 'step_up'

export interface ExplainCheck {
  check: CheckName
  /** True when this check passes; false when it fails or could not run (`skipped`). */
  ok: boolean
  /** What was found, in plain words. Never the token or its signature. */
  detail: string
  /** The option (or token property) that would change the outcome. */
  fix?: string
  /** The validator's reason for a failed check (what `onEvent` reports). */
  reason?: RejectReason
  /** The check could not run because an earlier one failed (no key is fetched for an unknown issuer). */
  skipped?: true
}

/** A summary of the claims: enough to recognise the token, nothing that would let one replay it. */
export interface ClaimsSummary {
  iss?: unknown
  aud?: unknown
  client?: string
  exp?: string
  iat?: string
  nbf?: string
}

export interface ExplainReport {
  /** Whether the validator would accept this token on the explained route. */
  ok: boolean
  /** The strategy the route uses for this token. */
  strategy: 'jwt' | 'opaque' | undefined
  /** The reason the validator would give (the first failed check's), when refused. */
  reason?: RejectReason
  /** The HTTP status the validator would answer with, when refused. */
  status?: 400 | 401 | 403 | 503
  checks: ExplainCheck[]
  claims?: ClaimsSummary
}

/** Collects checks; the first failure decides the verdict, as in the validator's own order. */
export class CheckList {
  readonly checks: ExplainCheck[] = []

  pass(check: CheckName, detail: string): void {
    this.checks.push({ check, ok: true, detail })
  }

  fail(check: CheckName, reason: RejectReason, detail: string, fix?: string): void {
    this.checks.push(
      fix === undefined ? { check, ok: false, reason, detail } : { check, ok: false, reason, detail, fix },
    )
  }

  skip(check: CheckName, detail: string): void {
    this.checks.push({ check, ok: false, detail, skipped: true })
  }

  get failed(): ExplainCheck | undefined {
    return this.checks.find((item) => !item.ok && item.skipped !== true)
  }
}

/** A NumericDate as an ISO date, or a plain description of a value that is not one. */
export function asDate(value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1e11)
    return `not a NumericDate (${typeof value})`
  return new Date(value * 1000).toISOString()
}

/** A claim value as short, quoted text: strings and lists of strings; the type of anything else. */
export function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(truncate(value))
  if (Array.isArray(value) && value.every((item) => typeof item === 'string'))
    return `[${value
      .slice(0, 5)
      .map((item) => JSON.stringify(truncate(item)))
      .join(', ')}${value.length > 5 ? ', …' : ''}]`
  if (value === undefined) return 'absent'
  return `a ${value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value}`
}

function truncate(value: string): string {
  return value.length > 120 ? `${value.slice(0, 120)}…` : value
}

/** Safe summary fields: strings or string lists only, truncated. */
export function summaryValue(value: unknown): unknown {
  if (typeof value === 'string') return truncate(value)
  if (Array.isArray(value) && value.every((item) => typeof item === 'string'))
    return value.slice(0, 10).map(truncate)
  return value === undefined ? undefined : quote(value)
}
