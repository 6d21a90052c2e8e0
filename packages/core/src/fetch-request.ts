import type { RequestLike } from './request.js'

/**
 * The `RequestLike` of a WHATWG `Request` (Hono, Bun, Deno, workers): what an adapter over the
 * Fetch API calls. The URL is the absolute target (its authority stands in for `Host`, as for an
 * absolute-form target, RFC 9112 §3.2.2). A form body is read only by the caller (it is a stream
 * that can be read once): pass it parsed, when the validator takes body tokens. Repeated headers
 * reach core joined with `, ` (the Fetch API folds them), which no single token survives: two
 * `Authorization` headers are still refused.
 *
 * @example
 * const auth = await tokens.authenticate(fromFetchRequest(request))
 */
export function fromFetchRequest(request: Request, view: { body?: unknown } = {}): RequestLike {
  const headers: Record<string, string> = {}
  // The Fetch API lower-cases header names, as Node does.
  request.headers.forEach((value, name) => {
    headers[name] = value
  })
  return {
    method: request.method,
    url: request.url,
    headers,
    body: view.body,
    protocol: new URL(request.url).protocol === 'https:' ? 'https' : 'http',
  }
}
