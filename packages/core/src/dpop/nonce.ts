import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Server-provided DPoP nonces (RFC 9449 §8), stateless: a nonce is its issue time and an HMAC of
 * it, so every instance sharing the secret accepts what any of them issued, and nothing is stored.
 */
export function createNonceSource(secret: Uint8Array | undefined, lifetimeMs: number, now: () => number) {
  const key = secret ?? randomBytes(32)

  function sign(issuedAt: string): string {
    return createHmac('sha256', key).update(issuedAt).digest('base64url')
  }

  return {
    issue(): string {
      const issuedAt = Math.floor(now()).toString(36)
      return `${issuedAt}.${sign(issuedAt)}`
    },
    isValid(nonce: unknown): boolean {
      if (typeof nonce !== 'string' || nonce.length > 128) return false
      const dot = nonce.indexOf('.')
      if (dot <= 0) return false
      const issuedAt = nonce.slice(0, dot)
      const given = Buffer.from(nonce.slice(dot + 1))
      const expected = Buffer.from(sign(issuedAt))
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false
      const age = now() - parseInt(issuedAt, 36)
      return age >= -5_000 && age <= lifetimeMs
    },
  }
}

export type NonceSource = ReturnType<typeof createNonceSource>
