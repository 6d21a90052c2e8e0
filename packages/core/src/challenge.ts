/**
 * `WWW-Authenticate` formatting (RFC 6750 §3). Parameter values are quoted-strings whose allowed
 * characters RFC 6750 narrows: `error_description` to %x20-21 / %x23-5B / %x5D-7E and each scope
 * token to %x21 / %x23-5B / %x5D-7E. Anything outside (quotes, backslashes, CR, LF, non-ASCII) is
 * dropped, so no value can break out of its quotes or split the header.
 */

const NOT_DESCRIPTION_CHAR = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g
const NOT_SCOPE_TOKEN_CHAR = /[^\x21\x23-\x5b\x5d-\x7e]/g

/** Drops every character RFC 6750 does not allow inside a quoted description, realm or code. */
export function sanitizeParam(value: string): string {
  return value.replace(NOT_DESCRIPTION_CHAR, '')
}

/** Keeps only well-formed scope tokens (RFC 6749 §3.3), space-separated. */
export function sanitizeScope(scopes: readonly string[]): string {
  return scopes
    .map((scope) => scope.replace(NOT_SCOPE_TOKEN_CHAR, ''))
    .filter((scope) => scope.length > 0)
    .join(' ')
}

export type ChallengeParams = Record<string, string | undefined>

// RFC 9110 §5.6.2: scheme and parameter names are tokens.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * `Bearer realm="api", error="invalid_token"`; parameters whose value is undefined are left out,
 * and so is any parameter whose name is not a token (names are core's constants, but a header
 * must never be built from anything else).
 */
export function formatChallenge(scheme: string, params: ChallengeParams): string {
  if (!TOKEN.test(scheme)) throw new TypeError('formatChallenge: the scheme must be an HTTP token')
  const parts: string[] = []
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || !TOKEN.test(name)) continue
    const clean = name === 'scope' ? sanitizeScope(value.split(' ')) : sanitizeParam(value)
    parts.push(`${name}="${clean}"`)
  }
  return parts.length > 0 ? `${scheme} ${parts.join(', ')}` : scheme
}
