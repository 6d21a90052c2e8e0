import { TokenError, UnavailableError } from './errors.js'

/** What an adapter sends for a refused request: the same status, headers and body on every framework. */
export interface ErrorResponse {
  status: number
  headers: Record<string, string>
  body: { error: string; error_description: string }
}

export function toErrorResponse(error: TokenError): ErrorResponse {
  return { status: error.status, headers: error.headers, body: error.body }
}

/**
 * Anything thrown while validating that is not a `TokenError` is a fault on our side: fail closed
 * with a 503 rather than let a framework print a 500 and its stack.
 */
export function asTokenError(error: unknown): TokenError {
  if (error instanceof TokenError) return error
  return new UnavailableError({ reason: 'internal_error', cause: error })
}
