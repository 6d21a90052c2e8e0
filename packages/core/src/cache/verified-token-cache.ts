import { LRUCache } from 'lru-cache'
import type { TokenClaims } from '../types.js'

/**
 * Tokens whose signature and static claims already passed, keyed by a hash of the token. An entry
 * holds frozen claims and is dropped at `exp`; time claims are still checked by the caller on
 * every hit. The whole cache is emptied when a key set changes (a rotated-out key must not keep
 * vouching for tokens).
 */
export class VerifiedTokenCache {
  private readonly entries: LRUCache<string, TokenClaims> | undefined

  constructor(max: number) {
    this.entries = max > 0 ? new LRUCache({ max }) : undefined
  }

  get(key: string, nowSeconds: number): TokenClaims | undefined {
    const claims = this.entries?.get(key)
    if (claims === undefined) return undefined
    if ((claims.exp as number) <= nowSeconds) {
      this.entries!.delete(key)
      return undefined
    }
    return claims
  }

  set(key: string, claims: TokenClaims): void {
    this.entries?.set(key, Object.freeze(claims))
  }

  clear(): void {
    this.entries?.clear()
  }

  get size(): number {
    return this.entries?.size ?? 0
  }
}
