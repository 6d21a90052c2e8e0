/**
 * What the issuer remembers of the tokens it minted, so that `/introspect` (RFC 7662) can describe
 * them and `/revoke` (RFC 7009) can end them.
 */
import { decodeJwt } from 'jose'

interface TokenRecord {
  claims: Record<string, unknown>
  revoked: boolean
}

export interface TokenRegistry {
  readonly revokedJtis: ReadonlySet<string>
  remember(token: string, claims: Record<string, unknown>): void
  /** The RFC 7662 §2.2 answer: the claims of a live token, `{ active: false }` for anything else. */
  describe(token: string): Record<string, unknown>
  /** Ends an opaque or minted token and, for any JWT, its `jti`; false when there was nothing to revoke. */
  revoke(token: string): boolean
}

export function createTokenRegistry(nowSeconds: () => number): TokenRegistry {
  const tokens = new Map<string, TokenRecord>()
  const revokedJtis = new Set<string>()

  return {
    revokedJtis,
    remember(token, claims) {
      tokens.set(token, { claims, revoked: false })
    },
    describe(token) {
      const record = tokens.get(token)
      if (record === undefined || record.revoked) return { active: false }
      const { exp, nbf, jti } = record.claims
      const now = nowSeconds()
      if (typeof exp === 'number' && exp <= now) return { active: false }
      if (typeof nbf === 'number' && nbf > now) return { active: false }
      if (typeof jti === 'string' && revokedJtis.has(jti)) return { active: false }
      return { active: true, token_type: 'Bearer', ...record.claims }
    },
    revoke(token) {
      let done = false
      const record = tokens.get(token)
      if (record !== undefined) {
        record.revoked = true
        done = true
      }
      // A JWT (minted here or not) is also revoked by its jti, as a resource server's denylist would.
      const jti = jwtId(token)
      if (jti !== undefined) {
        revokedJtis.add(jti)
        done = true
      }
      return done
    },
  }
}

function jwtId(token: string): string | undefined {
  try {
    const { jti } = decodeJwt(token)
    return typeof jti === 'string' ? jti : undefined
  } catch {
    return undefined
  }
}
