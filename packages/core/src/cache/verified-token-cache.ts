import { LRUCache } from 'lru-cache'
import { withToken } from '../auth-context.js'
import type { AuthContext } from '../types.js'

interface Entry {
  /** The context built at verification, without the raw token (a hit brings its own). */
  context: AuthContext
  verifiedAt: number
}

/**
 * Tokens whose signature and static claims already passed, keyed by a hash of the token. An entry
 * holds the context without the token (the caller has it: keeping it would double the entry) and
 * is dropped at `exp`; each hit gets a context sharing its deeply frozen fields and claims, with
 * the token presented. Time claims are still checked by the caller on every hit. An entry also lives no longer than the key set it was checked against may be used
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

  /**
   * The cached context, carrying `token` (the token whose hash `key` is, kept as its digest), or undefined. Its fields
   * and claims are shared and deeply frozen: no request can change them for the next.
   */
  get(key: string, token: string, nowMs: number): AuthContext | undefined {
    const entry = this.entries?.get(key)
    if (entry === undefined) return undefined
    const { context } = entry
    if ((context.claims.exp as number) * 1000 <= nowMs || nowMs - entry.verifiedAt >= this.maxEntryAge) {
      this.entries!.delete(key)
      return undefined
    }
    return withToken(context, token, key)
  }

  /** Keeps a context built by `buildAuthContext` (deeply frozen, as every later hit shares it), less its token. */
  set(key: string, context: AuthContext, nowMs: number): void {
    this.entries?.set(key, { context: withToken(context, ''), verifiedAt: nowMs })
  }

  clear(): void {
    this.entries?.clear()
  }

  get size(): number {
    return this.entries?.size ?? 0
  }
}
