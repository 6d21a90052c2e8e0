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
 * normalised (RFC 3986 §6.2.2: lower-case scheme and host, no default port). It is built from a
 * trusted origin or from a Host header checked against an allowlist, so a client cannot make a
 * proof for one host count on another.
 */
export function requestUri(request: RequestLike, options: UrlOptions): string {
  const path = pathOf(request.url)
  if (options.origin !== undefined)
    return checked(normalizeUri(`${options.origin.replace(/\/$/, '')}${path}`))
  const forwarded = (name: string) => (options.trustProxy ? firstValue(request.headers[name]) : undefined)
  const host = forwarded('x-forwarded-host') ?? firstValue(request.headers.host)
  const protocol = forwarded('x-forwarded-proto') ?? request.protocol ?? 'http'
  if (host === undefined || !options.allowedHosts?.includes(host.toLowerCase())) {
    throw new InvalidDpopProofError({ description: 'The request host is not served here' })
  }
  return checked(normalizeUri(`${protocol}://${host}${path}`))
}

function checked(uri: string | undefined): string {
  if (uri === undefined)
    throw new InvalidDpopProofError({ description: 'The request URI cannot be determined' })
  return uri
}

/** Normalises an absolute URI for comparison; `undefined` when it is not one. */
export function normalizeUri(uri: string): string | undefined {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return undefined
  }
  return `${url.protocol}//${url.host}${url.pathname}`
}

function pathOf(url: string | undefined): string {
  if (url === undefined || url === '') return '/'
  const end = url.search(/[?#]/)
  return end === -1 ? url : url.slice(0, end)
}

function firstValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value
  return first?.split(',')[0]?.trim() || undefined
}
