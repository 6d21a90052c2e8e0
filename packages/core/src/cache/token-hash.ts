import { hash } from 'node:crypto'

/**
 * SHA-256 of a token (with an optional scope prefix), base64url: caches never hold raw tokens as
 * keys. `crypto.hash` (Node ≥ 20.12) is the one-shot form, about twice as fast as `createHash`
 * for inputs of a token's size, and this runs on every request.
 */
export function tokenHash(token: string, scope = ''): string {
  return hash('sha256', scope === '' ? `\n${token}` : `${scope}\n${token}`, 'base64url')
}
