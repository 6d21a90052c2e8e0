import { InvalidTokenError, UnavailableError } from '../errors.js'
import type { EventListener } from '../events.js'
import type { DenylistEntry, DenylistStore } from '../store/store.js'
import { tokenDigest } from '../auth-context.js'
import type { AuthContext } from '../types.js'
import { fingerprintOf, presentedFingerprint, tokenFingerprint } from './fingerprint.js'
import { MirrorEntries } from './mirror-entries.js'
import { createMirrorSync } from './mirror-sync.js'

export interface DenylistOptions {
  store: DenylistStore
  /** How old the mirror's last proof of freshness may be before sensitive routes answer 503, in ms. */
  maxStaleness: number
  /** How often the mirror sends its heartbeat (ms). */
  heartbeatInterval: number
  /** How often the mirror polls a store without heartbeats (ms). */
  pollInterval: number
  /** When the mirror is stale, reload it from the store per request instead of failing with 503. */
  fallbackToStore: boolean
  now: () => number
  emit: EventListener
  /**
   * Told of every fingerprint entry: `shared` once, by the instance that revoked (it clears the
   * fleet's shared cache), and locally by every mirror when the entry first reaches it.
   */
  onFingerprint?: (fingerprint: string, shared: boolean) => void
}

/**
 * The denylist as sensitive routes see it: a local mirror of the store's entries, so a check costs
 * a few map lookups and no network round trip. `createMirrorSync` keeps it current and proves how
 * current. Entries are only ever added (and expire), so merging a reload into the mirror can never
 * lose a revocation that arrived on the feed meanwhile.
 */
export function createDenylist(options: DenylistOptions) {
  const { store, now } = options
  const mirror = new MirrorEntries((fingerprint) => options.onFingerprint?.(fingerprint, false))
  const sync = createMirrorSync({ ...options, mirror })

  // A store unreachable at start is retried, at most once a second, by later checks.
  let startFailedAt = 0
  let started = start()

  function start(): Promise<void> {
    const attempt = sync.start()
    attempt.catch(() => {
      startFailedAt = now()
    })
    return attempt
  }

  function retryStartIfDue(): void {
    if (startFailedAt !== 0 && now() - startFailedAt >= 1000) {
      startFailedAt = 0
      started = start()
    }
  }

  /** A few map lookups; the token is hashed only while some fingerprint entry exists. */
  function find(context: AuthContext): DenylistEntry['kind'] | undefined {
    if (mirror.size === 0) return undefined
    const nowSeconds = now() / 1000
    const issuer = context.issuer ?? ''
    if (context.jti !== undefined && mirror.live('jti', `${issuer}\n${context.jti}`, nowSeconds)) return 'jti'
    if (context.subject !== undefined) {
      const cutOff = mirror.live('subject', `${issuer}\n${context.subject}`, nowSeconds)
      // A not-before cut-off: a token without `iat` cannot prove it was issued after it.
      const iat = context.claims.iat
      if (cutOff !== undefined && (typeof iat !== 'number' || iat < (cutOff.issuedBefore ?? 0)))
        return 'subject'
    }
    if (mirror.fingerprints === 0) return undefined
    const { token } = context
    // The strategy's hash of this token, when it took one (see tokenDigest): not taken again.
    const digest = tokenDigest(context)
    if (context.strategy !== 'jwt') {
      return mirror.live('fingerprint', digest ?? tokenFingerprint(token), nowSeconds)
        ? 'fingerprint'
        : undefined
    }
    // A verified JWT is a JWS: its signing input is sliced off without parsing its header again.
    if (mirror.live('fingerprint', fingerprintOf(token, true), nowSeconds)) return 'fingerprint'
    // A JWT revoked before it could be verified (a key not yet published, say) was revoked as presented.
    if (mirror.live('fingerprint', digest ?? presentedFingerprint(token), nowSeconds)) return 'fingerprint'
    return undefined
  }

  function refuse(context: AuthContext): void {
    const kind = find(context)
    if (kind === undefined) return
    options.emit({ type: 'denylist_hit', by: kind })
    throw new InvalidTokenError({ reason: 'revoked' })
  }

  return {
    /**
     * Refuses a revoked token (401), or answers 503 when the mirror cannot prove it is current.
     * Synchronous while the mirror is fresh (the common case): no promise per request.
     */
    check(context: AuthContext): Promise<void> | undefined {
      if (sync.isFresh()) {
        refuse(context)
        return undefined
      }
      sync.noticeStaleness()
      retryStartIfDue()
      if (!options.fallbackToStore) {
        throw new UnavailableError({ reason: 'denylist_unavailable', retryAfter: 2 })
      }
      return sync.reload().then(
        () => refuse(context),
        (error: unknown) => {
          throw new UnavailableError({ reason: 'denylist_unavailable', retryAfter: 2, cause: error })
        },
      )
    },
    /** Records entries in the store (and so on every instance's feed) and in this mirror at once. */
    async add(newEntries: DenylistEntry[]): Promise<void> {
      const positions = await Promise.all(newEntries.map((entry) => store.addDenylistEntry(entry)))
      for (const [i, entry] of newEntries.entries()) {
        sync.remember(entry, positions[i] ?? undefined)
        if (entry.kind === 'fingerprint') options.onFingerprint?.(entry.key, true)
      }
    },
    /** Resolves once the mirror holds the store's list. */
    async ready(): Promise<void> {
      retryStartIfDue()
      await started
    },
    async close(): Promise<void> {
      await sync.close()
    },
    get size(): number {
      return mirror.size
    },
  }
}

export type Denylist = ReturnType<typeof createDenylist>
