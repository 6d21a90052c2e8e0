import { InvalidTokenError, UnavailableError } from '../errors.js'
import type { EventListener } from '../events.js'
import { entryId, mergeEntries, type DenylistEntry, type Store } from '../store/store.js'
import type { AuthContext } from '../types.js'
import { fingerprintOf, presentedFingerprint, tokenFingerprint } from './fingerprint.js'

export interface DenylistOptions {
  store: Store
  /** How long the feed may be down before sensitive routes stop trusting the mirror, in ms. */
  maxStaleness: number
  /** When the mirror is stale, reload it from the store per request instead of failing with 503. */
  fallbackToStore: boolean
  now: () => number
  emit: EventListener
  /** Told of every fingerprint entry, from any instance, so introspection caches drop that token. */
  onFingerprint?: (fingerprint: string) => void
}

/**
 * The denylist as sensitive routes see it: a local mirror of the store's entries, so a check costs
 * a few map lookups and no network round trip. The store's change feed keeps it current; after the
 * feed comes back the whole list is reloaded. Entries are only ever added (and expire), so merging a
 * reload into the mirror can never lose a revocation that arrived on the feed meanwhile.
 */
export function createDenylist(options: DenylistOptions) {
  const { store, now, emit } = options
  const entries = new Map<string, DenylistEntry>()
  /** Live-or-expired fingerprint entries: while there are none, no request pays for a hash. */
  let fingerprints = 0
  let loaded = false
  let feedUp = false
  let downSince = 0
  let unsubscribe: (() => Promise<void>) | undefined
  let reloading: Promise<void> | undefined

  function remember(entry: DenylistEntry): void {
    const id = entryId(entry)
    const previous = entries.get(id)
    if (previous === undefined && entry.kind === 'fingerprint') fingerprints++
    entries.set(id, mergeEntries(previous, entry))
    if (entry.kind === 'fingerprint') options.onFingerprint?.(entry.key)
  }

  /** Loads every live entry from the store into the mirror (one load at a time). */
  function reload(): Promise<void> {
    reloading ??= (async () => {
      try {
        for (const entry of await store.listDenylist(now() / 1000)) remember(entry)
        loaded = true
      } finally {
        reloading = undefined
      }
    })()
    return reloading
  }

  // A store unreachable at start is retried, at most once a second, by later checks.
  let started = start()
  let startFailedAt = 0

  function start(): Promise<void> {
    const attempt = subscribeAndLoad()
    attempt.catch(() => {
      startFailedAt = now()
      downSince ||= now()
    })
    return attempt
  }

  function retryStartIfDue(): void {
    if (startFailedAt !== 0 && now() - startFailedAt >= 1000) {
      startFailedAt = 0
      started = start()
    }
  }

  async function subscribeAndLoad(): Promise<void> {
    // Subscribe first, then load: an entry added in between arrives on the feed, not lost in a gap.
    unsubscribe = await store.subscribe({
      onEntry: remember,
      onStatus(status) {
        if (status === 'up') {
          reload().then(
            () => {
              if (!feedUp && downSince !== 0) emit({ type: 'store_recovered' })
              feedUp = true
            },
            () => {}, // still stale: the staleness bound decides, and the next 'up' retries
          )
        } else if (feedUp || downSince === 0) {
          feedUp = false
          downSince = now()
          emit({ type: 'store_degraded', error: 'denylist feed down' })
        }
      },
    })
    await reload()
    feedUp = true
  }

  function isFresh(): boolean {
    return loaded && (feedUp || now() - downSince <= options.maxStaleness)
  }

  /** The live entry under `id`, dropping it if it has expired. */
  function live(id: string, nowSeconds: number): DenylistEntry | undefined {
    const entry = entries.get(id)
    if (entry === undefined || entry.expiresAt > nowSeconds) return entry
    entries.delete(id)
    if (entry.kind === 'fingerprint') fingerprints--
    return undefined
  }

  /** A few map lookups; the token is hashed only while some fingerprint entry exists. */
  function find(context: AuthContext): DenylistEntry['kind'] | undefined {
    if (entries.size === 0) return undefined
    const nowSeconds = now() / 1000
    const issuer = context.issuer ?? ''
    if (context.jti !== undefined && live(`jti:${issuer}\n${context.jti}`, nowSeconds)) return 'jti'
    if (context.subject !== undefined) {
      const cutOff = live(`subject:${issuer}\n${context.subject}`, nowSeconds)
      // A not-before cut-off: a token without `iat` cannot prove it was issued after it.
      const iat = context.claims.iat
      if (cutOff !== undefined && (typeof iat !== 'number' || iat < (cutOff.issuedBefore ?? 0)))
        return 'subject'
    }
    if (fingerprints === 0) return undefined
    // A verified JWT is a JWS: its signing input is sliced off without parsing its header again.
    const fingerprint =
      context.strategy === 'jwt' ? fingerprintOf(context.token, true) : tokenFingerprint(context.token)
    if (live(`fingerprint:${fingerprint}`, nowSeconds)) return 'fingerprint'
    // A JWT revoked before it could be verified (a key not yet published, say) was revoked as presented.
    if (context.strategy === 'jwt' && live(`fingerprint:${presentedFingerprint(context.token)}`, nowSeconds))
      return 'fingerprint'
    return undefined
  }

  function refuse(context: AuthContext): void {
    const kind = find(context)
    if (kind === undefined) return
    emit({ type: 'denylist_hit', by: kind })
    throw new InvalidTokenError({ reason: 'revoked' })
  }

  return {
    /** Refuses a revoked token (401), or answers 503 when the mirror cannot prove it is current. */
    /** Synchronous while the mirror is fresh (the common case): no promise per request. */
    check(context: AuthContext): Promise<void> | undefined {
      if (isFresh()) {
        refuse(context)
        return undefined
      }
      retryStartIfDue()
      if (!options.fallbackToStore) {
        throw new UnavailableError({ reason: 'denylist_unavailable', retryAfter: 2 })
      }
      return reload().then(
        () => refuse(context),
        (error: unknown) => {
          throw new UnavailableError({ reason: 'denylist_unavailable', retryAfter: 2, cause: error })
        },
      )
    },
    /** Records entries in the store (and so on every instance's feed) and in this mirror at once. */
    async add(newEntries: DenylistEntry[]): Promise<void> {
      await Promise.all(newEntries.map((entry) => store.addDenylistEntry(entry)))
      for (const entry of newEntries) remember(entry)
    },
    /** Resolves once the mirror holds the store's list. */
    async ready(): Promise<void> {
      retryStartIfDue()
      await started
    },
    async close(): Promise<void> {
      await unsubscribe?.()
    },
    get size(): number {
      return entries.size
    },
  }
}

export type Denylist = ReturnType<typeof createDenylist>
