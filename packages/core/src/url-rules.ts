/**
 * The URL rules of configuration, checked once when a validator is built (never first met per
 * request): an issuer that can never match a token, or an endpoint reached in the clear, is a
 * `TypeError` naming the option.
 */

export function checkUrl(value: string, name: string): string {
  parseHttpUrl(value, name)
  return value
}

function parseHttpUrl(value: unknown, name: string): URL {
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`createValidator: \`${name}\` must be a non-empty string`)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TypeError(`createValidator: \`${name}\` must be an absolute URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`createValidator: \`${name}\` must be an http(s) URL`)
  }
  return url
}

/** 127.0.0.0/8, ::1 and `localhost`: traffic that never leaves the machine. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

/** https, or http on a loopback host, or http anywhere with the opt-in that says it is insecure. */
function checkTransport(url: URL, name: string, allowInsecure: boolean): void {
  if (url.protocol === 'http:' && !allowInsecure && !isLoopback(url.hostname)) {
    throw new TypeError(
      `createValidator: \`${name}\` must be an https URL (http only for loopback hosts, or with \`allowInsecureIssuer\`)`,
    )
  }
}

/** Key set and introspection URLs: absolute, https (or loopback), no userinfo (credentials in URLs leak into logs). */
export function checkEndpoint(value: string, name: string, allowInsecure: boolean): string {
  const url = parseHttpUrl(value, name)
  if (url.username !== '' || url.password !== '')
    throw new TypeError(`createValidator: \`${name}\` must not carry userinfo`)
  checkTransport(url, name, allowInsecure)
  return value
}

/**
 * RFC 8414 §2: an issuer identifier is an https URL with no query or fragment (and, being an
 * identifier compared as a string, no userinfo). A `?` or `#` with nothing after it counts too.
 */
export function checkIssuer(value: string, allowInsecure: boolean, name = 'issuer'): string {
  const url = parseHttpUrl(value, name)
  if (value.includes('?')) throw new TypeError(`createValidator: \`${name}\` must not carry a query`)
  if (value.includes('#')) throw new TypeError(`createValidator: \`${name}\` must not carry a fragment`)
  if (url.username !== '' || url.password !== '' || /^https?:\/\/[^/]*@/i.test(value)) {
    throw new TypeError(`createValidator: \`${name}\` must not carry userinfo`)
  }
  checkTransport(url, name, allowInsecure)
  return value
}

/** RFC 9728 §1.2 and §3: resource identifiers and their metadata URLs are https, without a fragment. */
export function checkResourceUrl(value: string, name: string, allowInsecure: boolean): string {
  const url = parseHttpUrl(value, name)
  if (value.includes('#')) throw new TypeError(`createValidator: \`${name}\` must not carry a fragment`)
  checkTransport(url, name, allowInsecure)
  return value
}
