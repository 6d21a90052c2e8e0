import { InvalidRequestError, InvalidTokenError, MissingTokenError } from './errors.js'
import type { RequestLike } from './request.js'

/**
 * Token extraction, RFC 6750 §2: the Authorization header always; the form body (§2.2) and the
 * query (§2.3) only when the validator enables them. One method only (§2: "MUST NOT use more than
 * one method"), one Authorization header only.
 */

export interface ExtractOptions {
  allowBodyToken: boolean
  allowQueryToken: boolean
  /** Longest token accepted, in characters; a longer one is refused before any decoding. */
  maxTokenLength: number
  /** Accept the `DPoP` scheme (RFC 9449 §7.1). */
  allowDpop: boolean
  /**
   * Leave the RFC 6750 syntax check to the caller (`checkTokenSyntax`), which runs it only when the
   * token is not already in a verified cache: a cached token passed it before. Default false.
   */
  deferSyntaxCheck?: boolean
}

export interface ExtractedToken {
  token: string
  scheme: 'bearer' | 'dpop'
  location: 'header' | 'body' | 'query'
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i

/** Returns the request's token, `undefined` when it carries none, or throws a 400/401 `TokenError`. */
export function extractToken(request: RequestLike, options: ExtractOptions): ExtractedToken | undefined {
  const found: ExtractedToken[] = []
  const fromHeader = readAuthorizationHeader(request, options)
  if (fromHeader !== undefined) found.push(fromHeader)
  if (options.allowBodyToken) {
    const token = readBodyToken(request)
    if (token !== undefined) found.push({ token, scheme: 'bearer', location: 'body' })
  }
  if (options.allowQueryToken) {
    const token = readQueryToken(request)
    if (token !== undefined) found.push({ token, scheme: 'bearer', location: 'query' })
  }
  if (found.length > 1) {
    throw new InvalidRequestError({
      reason: 'multiple_tokens',
      description: 'More than one access token was sent',
    })
  }
  const extracted = found[0]
  if (extracted === undefined) return undefined
  if (extracted.token.length > options.maxTokenLength) {
    throw new InvalidTokenError({ reason: 'token_too_large', description: 'The access token is too large' })
  }
  if (options.deferSyntaxCheck !== true) checkTokenSyntax(extracted.token)
  return extracted
}

function readAuthorizationHeader(request: RequestLike, options: ExtractOptions): ExtractedToken | undefined {
  const value = request.headers.authorization
  if (value === undefined) return undefined
  // Node keeps only the first of repeated Authorization headers in `headers`; count the raw list.
  if (Array.isArray(value) || countRawAuthorization(request.rawHeaders) > 1) {
    throw new InvalidRequestError({
      reason: 'multiple_tokens',
      description: 'More than one access token was sent',
    })
  }
  // Cheap bound before any regular expression runs on attacker-sized input.
  if (value.length > options.maxTokenLength + 16) {
    throw new InvalidTokenError({ reason: 'token_too_large', description: 'The access token is too large' })
  }
  // RFC 9110 §11.1: the scheme is a token, so it ends at the first character that is not a tchar.
  let end = 0
  while (end < value.length && isTchar(value.charCodeAt(end))) end++
  const scheme = value.slice(0, end).toLowerCase()
  if (scheme !== 'bearer' && !(scheme === 'dpop' && options.allowDpop)) {
    // Another scheme (Basic, Digest, …) is not a bearer token: answer as if none was sent.
    throw new MissingTokenError({ reason: 'unsupported_scheme' })
  }
  // RFC 6750 §2.1 (and RFC 9449 §7.1): `Bearer 1*SP b64token`. One space or several; a tab or any
  // other separator leaves the token empty, and `Bearer` with nothing after it is empty too:
  // checkTokenSyntax refuses an empty token as malformed (400).
  let start = end
  while (start < value.length && value.charCodeAt(start) === 0x20) start++
  const token = start === end ? '' : value.slice(start)
  return { token, scheme, location: 'header' }
}

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TCHAR = new Uint8Array(128)
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
  TCHAR[c.charCodeAt(0)] = 1

function isTchar(code: number): boolean {
  return code < 128 && TCHAR[code] === 1
}

function countRawAuthorization(rawHeaders: readonly string[] | undefined): number {
  if (rawHeaders === undefined) return 1
  let count = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]
    if (name !== undefined && name.length === 13 && name.toLowerCase() === 'authorization') count++
  }
  return count
}

function readBodyToken(request: RequestLike): string | undefined {
  // RFC 6750 §2.2: only a form-encoded body of a request that has one; never GET.
  if (request.method === 'GET' || request.method === 'HEAD') return undefined
  const contentType = request.headers['content-type']
  if (typeof contentType !== 'string' || !FORM_CONTENT_TYPE.test(contentType)) return undefined
  const body = request.body
  if (body === null || typeof body !== 'object') return undefined
  return singleValue((body as Record<string, unknown>).access_token)
}

function readQueryToken(request: RequestLike): string | undefined {
  if (request.query !== undefined) return singleValue(request.query.access_token)
  if (request.url === undefined) return undefined
  const queryStart = request.url.indexOf('?')
  if (queryStart === -1) return undefined
  const values = new URLSearchParams(request.url.slice(queryStart + 1)).getAll('access_token')
  return singleValue(values.length === 0 ? undefined : values.length === 1 ? values[0] : values)
}

/** A parameter repeated (`?access_token=a&access_token=b`) is two tokens; a non-string is malformed. */
function singleValue(value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (Array.isArray(value)) {
    throw new InvalidRequestError({
      reason: 'multiple_tokens',
      description: 'More than one access token was sent',
    })
  }
  if (typeof value !== 'string') {
    throw new InvalidRequestError({
      reason: 'malformed_request',
      description: 'The access_token parameter is malformed',
    })
  }
  return value
}

/** RFC 6750 §2.1 `b64token` syntax: 400 `invalid_request` otherwise. */
export function checkTokenSyntax(token: string): void {
  if (!B64TOKEN.test(token)) {
    throw new InvalidRequestError({
      reason: 'malformed_request',
      description: 'The access token is missing or not a valid bearer token',
    })
  }
}
