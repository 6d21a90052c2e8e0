import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9), stateless: a nonce is its issue time and an HMAC
 * of it, so every validator sharing the secret accepts what any of them issued, and nothing is
 * stored. Validators that answer for one origin must therefore share one secret.
 */
export function createNonceSource(secret: Uint8Array | undefined, lifetimeMs: number, now: () => number) {
  const key = secret ?? randomBytes(32)

  function sign(issuedAt: string): string {
    return createHmac('sha256', key).update(issuedAt).digest('base64url')
  }

  /** Milliseconds since a valid nonce was issued; undefined for a forged, malformed or expired one. */
  function ageOf(nonce: unknown): number | undefined {
    if (typeof nonce !== 'string' || nonce.length > 128) return undefined
    const dot = nonce.indexOf('.')
    if (dot <= 0) return undefined
    const issuedAt = nonce.slice(0, dot)
    const given = Buffer.from(nonce.slice(dot + 1))
    const expected = Buffer.from(sign(issuedAt))
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    const age = now() - parseInt(issuedAt, 36)
    return age >= -5_000 && age <= lifetimeMs ? Math.max(age, 0) : undefined
  }

  return {
    issue(): string {
      const issuedAt = Math.floor(now()).toString(36)
      return `${issuedAt}.${sign(issuedAt)}`
    },
    ageOf,
    isValid: (nonce: unknown): boolean => ageOf(nonce) !== undefined,
    /**
     * Past half its lifetime a nonce is replaced on the success response (RFC 9449 §8.2), so a
     * client in steady use never meets a `use_dpop_nonce` refusal.
     */
    isAging: (ageMs: number): boolean => ageMs > lifetimeMs / 2,
  }
}

export type NonceSource = ReturnType<typeof createNonceSource>
