import type { TokenError } from '../errors.js'
import { REASON_WORDS } from './reasons.js'

/**
 * `exposeErrorReasons`: a development aid that puts the refusal reason into `error_description`.
 * Off by default: RFC 6750 §3 leaves the description to the server, and a precise reason tells an
 * attacker which forgery came closest. Refused under NODE_ENV=production unless `'force'`.
 */
export function resolveExposeErrorReasons(value: unknown, nodeEnv = process.env.NODE_ENV): boolean {
  if (value === undefined || value === false) return false
  if (value !== true && value !== 'force')
    throw new TypeError("createValidator: `exposeErrorReasons` must be true, false or 'force'")
  if (value === true && nodeEnv === 'production') {
    throw new TypeError(
      "createValidator: `exposeErrorReasons` tells clients why their token was refused; it is refused under NODE_ENV=production (use 'force' to insist)",
    )
  }
  process.emitWarning(
    'exposeErrorReasons is on: error_description tells every client why its token was refused. Use it in development only.',
    { code: 'TOKENGUARD_EXPOSE_ERROR_REASONS' },
  )
  return true
}

/** The description a client reads with reasons exposed: the generic one, then the reason in words. */
export function describeWithReason(error: TokenError): string {
  return `${error.description}; reason ${error.reason}: ${REASON_WORDS[error.reason]}`
}
