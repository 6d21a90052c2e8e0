import { createHash } from 'node:crypto'

/** SHA-256 of a token (with an optional scope prefix), base64url: caches never hold raw tokens as keys. */
export function tokenHash(token: string, scope = ''): string {
  return createHash('sha256').update(scope).update('\n').update(token).digest('base64url')
}
