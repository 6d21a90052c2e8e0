import { formatChallenge } from './challenge.js'

/**
 * Every error a request can meet, in one place (RFC 6750 §3.1). Bad *tokens* and bad *requests*
 * become a `TokenError` with its HTTP meaning; bad *configuration* is a `TypeError` at construction.
 * The `description` is generic and safe to send; the precise `reason` is for events and logs only.
 */

/** The `error` values of RFC 6750 §3.1, RFC 9470 §3, and `temporarily_unavailable` for 503s. */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'insufficient_user_authentication'
  | 'temporarily_unavailable'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'

/** Why a request was refused: stable identifiers for events, metrics and logs (never sent to clients). */
export type RejectReason =
  | 'missing_token'
  | 'malformed_request'
  | 'multiple_tokens'
  | 'token_too_large'
  | 'unsupported_scheme'
  | 'malformed_token'
  | 'encrypted_token'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'too_old'
  | 'unknown_issuer'
  | 'issuer_not_introspected'
  | 'wrong_audience'
  | 'wrong_type'
  | 'missing_claim'
  | 'invalid_claim'
  | 'wrong_strategy'
  | 'inactive'
  | 'refresh_token'
  | 'revoked'
  | 'insufficient_scope'
  | 'insufficient_role'
  | 'claims_check_failed'
  | 'keys_unavailable'
  | 'issuer_unavailable'
  | 'issuer_limit'
  | 'introspection_unavailable'
  | 'introspection_unauthorized'
  | 'denylist_unavailable'
  | 'internal_error'
  | 'invalid_dpop_proof'
  | 'dpop_replay'
  | 'dpop_nonce'
  | 'dpop_required'
  | 'binding_mismatch'
  | 'unsupported_binding'
  | 'insufficient_authentication'

export interface TokenErrorInit {
  reason: RejectReason
  description?: string
  /** Retry-After seconds, for 503s. */
  retryAfter?: number
  /** Scopes the route requires, for 403 `insufficient_scope`. */
  scope?: readonly string[]
  /** Extra challenge parameters (`acr_values`, `max_age`, `resource_metadata`, …). */
  params?: Record<string, string>
  /** Response headers besides the challenge (`DPoP-Nonce`, RFC 9449 §8). */
  extraHeaders?: Record<string, string>
  cause?: unknown
}

/** What the validator adds to every challenge it answers: realm, scheme and resource-wide parameters. */
export interface ChallengeContext {
  realm: string | undefined
  scheme: string
  /** `algs` for DPoP (RFC 9449 §7.1), `resource_metadata` (RFC 9728 §5.1). */
  params: Record<string, string> | undefined
}

export abstract class TokenError extends Error {
  abstract readonly status: 400 | 401 | 403 | 503
  /** The RFC 6750 `error` code; undefined when no token was sent at all (§3.1: no error code). */
  abstract readonly code: ErrorCode | undefined
  readonly reason: RejectReason
  readonly description: string
  readonly retryAfter: number | undefined
  readonly scope: readonly string[] | undefined
  readonly params: Record<string, string> | undefined
  readonly extraHeaders: Record<string, string> | undefined
  /** Set by the validator that raised it, so the challenge names the protected resource. */
  realm: string | undefined
  /** Resource-wide challenge parameters set by the validator. */
  challengeParams: Record<string, string> | undefined
  /** `Bearer`, or `DPoP` when the request used that scheme (RFC 9449 §7.1). */
  scheme = 'Bearer'
  /** Koa applies `status`, `headers` and, with `expose`, the message of an error that reaches it. */
  readonly expose = true
  /** Set by a validator with `exposeErrorReasons` (development only): the description sent to the client. */
  sentDescription: string | undefined = undefined

  constructor(defaultDescription: string, init: TokenErrorInit) {
    super(
      init.description ?? defaultDescription,
      init.cause === undefined ? undefined : { cause: init.cause },
    )
    this.name = new.target.name
    this.reason = init.reason
    this.description = this.message
    this.retryAfter = init.retryAfter
    this.scope = init.scope
    this.params = init.params
    this.extraHeaders = init.extraHeaders
    this.realm = undefined
    this.challengeParams = undefined
  }

  /** Takes the realm, scheme and resource-wide parameters of the validator that answers. */
  withChallenge(context: ChallengeContext): this {
    this.realm = context.realm
    this.scheme = context.scheme
    this.challengeParams = context.params
    return this
  }

  /** The same as `status`, for error handlers that read `statusCode` (Fastify's convention). */
  get statusCode(): number {
    return this.status
  }

  /** Response headers: `WWW-Authenticate` for 4xx, `Retry-After` for 503. */
  get headers(): Record<string, string> {
    if (this.status === 503) return { 'Retry-After': String(this.retryAfter ?? 5) }
    const params: Record<string, string | undefined> = { realm: this.realm }
    if (this.code !== undefined) {
      params.error = this.code
      params.error_description = this.sentDescription ?? this.description
    }
    if (this.scope !== undefined && this.scope.length > 0) params.scope = this.scope.join(' ')
    Object.assign(params, this.challengeParams, this.params)
    return { 'WWW-Authenticate': formatChallenge(this.scheme, params), ...this.extraHeaders }
  }

  /** The JSON body every adapter sends: `{ error, error_description }`. */
  get body(): { error: string; error_description: string } {
    return { error: this.code ?? 'unauthorized', error_description: this.sentDescription ?? this.description }
  }
}

/** 400: the request is malformed (two tokens, two methods, bad header syntax, oversized token). */
export class InvalidRequestError extends TokenError {
  readonly status = 400
  readonly code = 'invalid_request'
  constructor(init: TokenErrorInit) {
    super('The request is malformed', init)
  }
}

/** 401 with no error code: the request carried no token (RFC 6750 §3.1). */
export class MissingTokenError extends TokenError {
  readonly status = 401
  readonly code = undefined
  constructor(init: Partial<TokenErrorInit> = {}) {
    super('A bearer token is required', { reason: 'missing_token', ...init })
  }
}

/** 401: the token is malformed, expired, revoked, inactive or not meant for this resource. */
export class InvalidTokenError extends TokenError {
  readonly status = 401
  readonly code = 'invalid_token'
  constructor(init: TokenErrorInit) {
    super('The access token is invalid', init)
  }
}

/** 403: the token is good but lacks a scope the route requires. */
export class InsufficientScopeError extends TokenError {
  readonly status = 403
  readonly code = 'insufficient_scope'
  constructor(init: Omit<TokenErrorInit, 'reason'> & { reason?: RejectReason }) {
    super('The access token lacks a required scope', { reason: 'insufficient_scope', ...init })
  }
}

/** 401 (RFC 9470): the authentication behind the token is too weak or too old for this route. */
export class InsufficientUserAuthenticationError extends TokenError {
  readonly status = 401
  readonly code = 'insufficient_user_authentication'
  constructor(init: TokenErrorInit) {
    super('A stronger or more recent authentication is required', init)
  }
}

/** 401 (RFC 9449 §7.1): the DPoP proof is missing, malformed, replayed or does not fit the request. */
export class InvalidDpopProofError extends TokenError {
  readonly status = 401
  readonly code = 'invalid_dpop_proof'
  constructor(init: Omit<TokenErrorInit, 'reason'> & { reason?: RejectReason }) {
    super('The DPoP proof is invalid', { reason: 'invalid_dpop_proof', ...init })
  }
}

/** 401 (RFC 9449 §8): the proof must carry the server nonce given in `DPoP-Nonce`. */
export class UseDpopNonceError extends TokenError {
  readonly status = 401
  readonly code = 'use_dpop_nonce'
  constructor(nonce: string) {
    // §8.2: a response carrying a nonce must not be cached, or a shared cache could hand it to others.
    super('A DPoP nonce is required', {
      reason: 'dpop_nonce',
      extraHeaders: { 'DPoP-Nonce': nonce, 'Cache-Control': 'no-store' },
    })
  }
}

/** 503: the authorization server, key set or store could not be reached; the request fails closed. */
export class UnavailableError extends TokenError {
  readonly status = 503
  readonly code = 'temporarily_unavailable'
  constructor(init: TokenErrorInit) {
    super('The access token cannot be validated right now', init)
  }
}

export function isTokenError(value: unknown): value is TokenError {
  return value instanceof TokenError
}
