import type { TimeRules } from '../jwt/claims.js'
import type { TokenClaims } from '../types.js'
import { CheckList, asDate } from './report.js'

const TOLERANCE_FIX =
  'if this host and the issuer disagree on the time, fix the clocks (NTP) or raise clockTolerance'

/** `exp`, `nbf`, `iat` and the maximum age, with the same leeway as jwt/claims.ts, one check each. */
export function explainTime(
  claims: TokenClaims,
  nowSeconds: number,
  rules: TimeRules,
  list: CheckList,
): void {
  const { exp, nbf, iat } = claims
  const tolerance = `the clock tolerance is ${rules.clockTolerance} s`
  const now = new Date(nowSeconds * 1000).toISOString()
  if (typeof exp !== 'number') list.skip('exp', 'no numeric exp')
  else if (nowSeconds - rules.clockTolerance >= exp)
    list.fail(
      'exp',
      'expired',
      `expired at ${asDate(exp)}, ${Math.round(nowSeconds - exp)} s before now (${now}); ${tolerance}`,
      `get a fresh token; ${TOLERANCE_FIX}`,
    )
  else list.pass('exp', `valid until ${asDate(exp)}`)

  if (typeof nbf === 'number' && nowSeconds + rules.clockTolerance < nbf)
    list.fail(
      'nbf',
      'not_yet_valid',
      `not valid before ${asDate(nbf)}, ${Math.round(nbf - nowSeconds)} s after now (${now}); ${tolerance}`,
      TOLERANCE_FIX,
    )
  else if (typeof nbf === 'number') list.pass('nbf', `valid since ${asDate(nbf)}`)

  if (typeof iat === 'number' && nowSeconds + rules.clockTolerance < iat)
    list.fail(
      'iat',
      'issued_in_future',
      `issued at ${asDate(iat)}, ${Math.round(iat - nowSeconds)} s after now (${now}); ${tolerance}`,
      TOLERANCE_FIX,
    )
  else if (rules.maxTokenAge !== undefined && iat === undefined)
    list.fail(
      'iat',
      'missing_claim',
      `jwt.maxTokenAge is ${rules.maxTokenAge} s and the token has no iat`,
      'the issuer must send iat, or leave jwt.maxTokenAge unset',
    )
  else if (
    rules.maxTokenAge !== undefined &&
    typeof iat === 'number' &&
    nowSeconds - iat - rules.clockTolerance > rules.maxTokenAge
  )
    list.fail(
      'iat',
      'too_old',
      `issued at ${asDate(iat)}, ${Math.round(nowSeconds - iat)} s ago; jwt.maxTokenAge is ${rules.maxTokenAge} s`,
      'get a fresh token, or raise jwt.maxTokenAge',
    )
  else if (typeof iat === 'number') list.pass('iat', `issued at ${asDate(iat)}`)
}
