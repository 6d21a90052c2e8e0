import { LRUCache } from 'lru-cache'
import type { AuthContext } from '../types.js'

interface Entry {
  /** The context built at verification: a hit copies it rather than parsing scopes again. */
  context: AuthContext
  verifiedAt: number
}

/**
 * Tokens whose signature and static claims already passed, keyed by a hash of the token. An entry
 * holds frozen claims and is dropped at `exp`; time claims are still checked by the caller on
 * every hit. An entry also lives no longer than the key set it was checked against may be used
 * (`maxEntryAge`): past that, the token is verified again, which refreshes the key set, so a key
 * retired at the issuer stops vouching for cached tokens. The whole cache is emptied when a key
 * set changes.
 */
export class VerifiedTokenCache {
  private readonly entries: LRUCache<string, Entry> | undefined

  /** `maxEntryAge` in milliseconds; `Infinity` for local keys, which never rotate behind our back. */
  constructor(
    max: number,
    private readonly maxEntryAge: number,
  ) {
    this.entries = max > 0 ? new LRUCache({ max }) : undefined
  }

  /** A fresh copy of the cached context (each request may change its own), or undefined. */
  get(key: string, nowMs: number): AuthContext | undefined {
    const entry = this.entries?.get(key)
    if (entry === undefined) return undefined
    const { context } = entry
    if ((context.claims.exp as number) * 1000 <= nowMs || nowMs - entry.verifiedAt >= this.maxEntryAge) {
      this.entries!.delete(key)
      return undefined
    }
    return { ...context, scopes: [...context.scopes] }
  }

  /** Keeps a context whose claims it freezes (they are shared by every later hit). */
  set(key: string, context: AuthContext, nowMs: number): void {
    Object.freeze(context.claims)
    this.entries?.set(key, { context: { ...context, scopes: [...context.scopes] }, verifiedAt: nowMs })
  }

  clear(): void {
    this.entries?.clear()
  }

  get size(): number {
    return this.entries?.size ?? 0
  }
}
