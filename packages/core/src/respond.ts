import { TokenError, UnavailableError, type ChallengeContext } from './errors.js'
import type { RequestLike } from './request.js'

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

/** Adds headers to the response of an accepted request (noted on the request, never on a shared object). */
export function addResponseHeaders(request: RequestLike, headers: Record<string, string>): void {
  const answer = (request.answer ??= {})
  answer.headers = { ...answer.headers, ...headers }
}

/** Notes the challenge a refusal of `request` is answered under (a guard's, after the validator took it). */
export function noteChallenge(request: RequestLike, challenge: ChallengeContext): void {
  ;(request.answer ??= {}).challenge = challenge
}

/**
 * Headers an adapter sets on the response once `request` is accepted: a fresh `DPoP-Nonce` with
 * `Cache-Control: no-store` when the proof's nonce is aging (RFC 9449 §8.2); undefined otherwise.
 */
export function responseHeaders(request: RequestLike): Record<string, string> | undefined {
  return request.answer?.headers
}
