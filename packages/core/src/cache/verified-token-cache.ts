import { LRUCache } from 'lru-cache'
import { deepFreeze } from '../deep-freeze.js'
import type { AuthContext } from '../types.js'

interface Entry {
  /** The context built at verification, deeply frozen: every hit hands out this one object. */
  context: AuthContext
  verifiedAt: number
}

/**
 * Tokens whose signature and static claims already passed, keyed by a hash of the token. An entry
 * holds a deeply frozen context (claims included), shared by every hit, and is dropped at `exp`; time claims are still checked by the caller on
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

  /** The cached context (deeply frozen: no request can change it for the next), or undefined. */
  get(key: string, nowMs: number): AuthContext | undefined {
    const entry = this.entries?.get(key)
    if (entry === undefined) return undefined
    const { context } = entry
    if ((context.claims.exp as number) * 1000 <= nowMs || nowMs - entry.verifiedAt >= this.maxEntryAge) {
      this.entries!.delete(key)
      return undefined
    }
    return context
  }

  /** Keeps a context; it must be deeply frozen (`buildAuthContext`), as every later hit shares it. */
  set(key: string, context: AuthContext, nowMs: number): void {
    this.entries?.set(key, { context: deepFreeze(context), verifiedAt: nowMs })
  }

  clear(): void {
    this.entries?.clear()
  }

  get size(): number {
    return this.entries?.size ?? 0
  }
}
