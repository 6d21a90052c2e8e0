import { InvalidDpopProofError } from '../errors.js'
import type { RequestLike } from '../request.js'

export interface UrlOptions {
  /** The API's public origin (`https://api.example.com`): the trusted base of every `htu`. */
  origin: string | undefined
  /** Hosts the API answers for, when no origin is given; the Host header must be one of them. */
  allowedHosts: readonly string[] | undefined
  /** Honour `X-Forwarded-Proto` and `X-Forwarded-Host` (only behind a proxy you run). */
  trustProxy: boolean
}

/**
 * The request's URI as the client addressed it, without query and fragment (RFC 9449 §4.3 point 9),
 * normalised like every `htu` (see `normalizeUri`). It is built from a trusted origin or from a
 * Host checked against an allowlist, so a client cannot make a proof for one host count on another.
 * An absolute-form target (RFC 9112 §3.2.2, `GET https://api.example/x HTTP/1.1`) is the target URI
 * itself (§3.3): its authority replaces the Host header, and must still be one this API serves.
 */
export function requestUri(request: RequestLike, options: UrlOptions): string {
  const target = parseTarget(request.url)
  if (options.origin !== undefined) {
    // With an origin, only the path of an absolute-form target counts, and only for this host.
    if (target.authority !== undefined && target.authority !== new URL(options.origin).host) throw notServed()
    return checked(normalizeUri(`${options.origin.replace(/\/$/, '')}${target.path}`))
  }
  const forwarded = (name: string) => (options.trustProxy ? firstValue(request.headers[name]) : undefined)
  const host = target.authority ?? forwarded('x-forwarded-host') ?? firstValue(request.headers.host)
  const protocol = target.scheme ?? forwarded('x-forwarded-proto') ?? request.protocol ?? 'http'
  if (host === undefined || !options.allowedHosts?.includes(host.toLowerCase())) throw notServed()
  return checked(normalizeUri(`${protocol}://${host}${target.path}`))
}

function notServed(): InvalidDpopProofError {
  return new InvalidDpopProofError({ description: 'The request host is not served here' })
}

function checked(uri: string | undefined): string {
  if (uri === undefined)
    throw new InvalidDpopProofError({ description: 'The request URI cannot be determined' })
  return uri
}

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//

/** Path of an origin-form target; scheme, authority (host[:port], normalised) and path of an absolute-form one. */
function parseTarget(url: string | undefined): { scheme?: string; authority?: string; path: string } {
  if (url === undefined || url === '') return { path: '/' }
  if (!ABSOLUTE_FORM.test(url)) return { path: stripQuery(url) }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InvalidDpopProofError({ description: 'The request URI cannot be determined' })
  }
  if (parsed.username !== '' || parsed.password !== '') throw notServed()
  return { scheme: parsed.protocol.slice(0, -1), authority: parsed.host, path: parsed.pathname }
}

/**
 * Normalises an absolute http(s) URI for comparison, RFC 3986 §6.2.2 and §6.2.3 as RFC 9449 §4.3
 * asks: scheme and host in lower case, no default port, dot segments removed, an empty path as
 * `/` (all done by the WHATWG URL parser), then percent-encodings in upper case and those of
 * unreserved characters decoded. Query and fragment are dropped. `undefined` when it is not an
 * absolute http(s) URI, or carries userinfo (never part of an `htu`).
 */
export function normalizeUri(uri: string): string | undefined {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  if (url.username !== '' || url.password !== '') return undefined
  const path = url.pathname.replace(PERCENT_ENCODED, normalizeEscape)
  return `${url.protocol}//${url.host}${path}`
}

const PERCENT_ENCODED = /%([0-9A-Fa-f]{2})/g
// RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
const UNRESERVED = /^[A-Za-z0-9\-._~]$/

function normalizeEscape(_match: string, hex: string): string {
  const char = String.fromCharCode(parseInt(hex, 16))
  return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`
}

function stripQuery(url: string): string {
  const end = url.search(/[?#]/)
  return end === -1 ? url : url.slice(0, end)
}

function firstValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value
  return first?.split(',')[0]?.trim() || undefined
}
