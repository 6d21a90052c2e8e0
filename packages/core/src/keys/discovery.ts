import type { Dispatcher } from 'undici'
import { safeListener, type EventListener } from '../events.js'
import { httpRequest, parseJsonObject } from '../http.js'

/**
 * Issuer metadata discovery: RFC 8414 first, then OpenID Connect Discovery 1.0 §4. A document is
 * believed only if its `issuer` is exactly the configured one (RFC 8414 §3.3), so a server cannot
 * hand out keys and endpoints in another issuer's name.
 */

/** The metadata fields core reads (RFC 8414 §2); other members are kept but not typed. */
export interface AuthorizationServerMetadata {
  issuer: string
  jwks_uri?: string
  introspection_endpoint?: string
  revocation_endpoint?: string
  token_endpoint?: string
  introspection_endpoint_auth_methods_supported?: string[]
  [member: string]: unknown
}

export interface DiscoveryOptions {
  /** Deadline per document request, in ms. */
  timeout: number
  /** Largest document accepted, in bytes. */
  maxResponseBytes: number
  dispatcher?: Dispatcher
  onEvent?: EventListener
}

export interface MetadataCacheOptions extends DiscoveryOptions {
  /** After a failure, the least time before discovery is tried again, in ms (`jwt.keySet.cooldown`, resolved). */
  cooldownMs: number
  /** Clock in ms (a test seam). Default `Date.now`. */
  now?: () => number
}

/** One well-known URL tried, and why its answer was not used. */
export interface MetadataAttempt {
  url: string
  error: string
}

/** Discovery failed: no well-known URL gave a usable document for this issuer. */
export class MetadataError extends Error {
  readonly code = 'ERR_METADATA_UNAVAILABLE'
  constructor(
    message: string,
    readonly issuer: string,
    readonly attempts: readonly MetadataAttempt[],
  ) {
    super(message)
    this.name = 'MetadataError'
  }
}

/**
 * The URLs to try, in order. RFC 8414 §3.1 inserts the well-known segment between the host and the
 * path (`https://as.example/tenant` → `https://as.example/.well-known/oauth-authorization-server/tenant`);
 * OIDC Discovery §4 appends it to the issuer. The issuer is a checked one (RFC 8414 §2: http(s), no
 * query or fragment), by `checkIssuer` where it entered: a configured issuer in options, a
 * resolved one before it is trusted.
 */
export function metadataUrls(issuer: string): [rfc8414: string, openid: string] {
  const url = new URL(issuer)
  const path = url.pathname.replace(/\/$/, '')
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
  ]
}

const URL_MEMBERS = ['jwks_uri', 'introspection_endpoint', 'revocation_endpoint', 'token_endpoint'] as const

/** Why this document is unusable for `issuer`, or `undefined` when it is usable. */
function documentProblem(document: Record<string, unknown>, issuer: string): string | undefined {
  if (document.issuer !== issuer) return 'issuer in the document does not match the configured issuer'
  for (const member of URL_MEMBERS) {
    const value = document[member]
    if (value !== undefined && (typeof value !== 'string' || !URL.canParse(value)))
      return `"${member}" is not a URL`
  }
  return undefined
}

/**
 * Fetches the issuer's metadata, trying RFC 8414 and then OIDC discovery. Throws `MetadataError`
 * listing each attempt when neither gives a document for exactly this issuer.
 *
 * @example
 * ```ts
 * const metadata = await discoverMetadata('https://login.example.com/', { timeout: 3000, maxResponseBytes: 65536 })
 * metadata.jwks_uri // 'https://login.example.com/jwks'
 * ```
 */
export async function discoverMetadata(
  issuer: string,
  options: DiscoveryOptions,
): Promise<AuthorizationServerMetadata> {
  const emit = safeListener(options.onEvent)
  const attempts: MetadataAttempt[] = []
  for (const url of metadataUrls(issuer)) {
    const started = performance.now()
    let error: string
    try {
      const response = await httpRequest(url, {
        headers: { accept: 'application/json' },
        timeout: options.timeout,
        maxBytes: options.maxResponseBytes,
        dispatcher: options.dispatcher,
      })
      const document = response.status === 200 ? parseJsonObject(response.text) : undefined
      const problem =
        response.status !== 200
          ? `unexpected status ${response.status}`
          : document === undefined
            ? 'response is not a JSON object'
            : documentProblem(document, issuer)
      if (problem === undefined && document !== undefined) {
        emit({ type: 'metadata_fetch', url, outcome: 'ok', durationMs: performance.now() - started })
        return document as AuthorizationServerMetadata
      }
      error = problem ?? 'response is not a JSON object'
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure)
    }
    emit({ type: 'metadata_fetch', url, outcome: 'error', durationMs: performance.now() - started, error })
    attempts.push({ url, error })
  }
  const summary = attempts.map((a) => `${a.url}: ${a.error}`).join('; ')
  throw new MetadataError(`no usable metadata for issuer ${issuer} (${summary})`, issuer, attempts)
}

export interface MetadataCache {
  /** The issuer's metadata: fetched once, then remembered. Rejects with `MetadataError`. */
  get(): Promise<AuthorizationServerMetadata>
  /** The `jwks_uri` from the metadata; a detached function, ready to pass as `createRemoteKeySet({ jwksUri })`. */
  jwksUri: () => Promise<string>
}

/**
 * Memoized discovery for one issuer: one request in flight, success remembered, and a failure
 * remembered for the cooldown so callers in that window fail fast instead of each trying again.
 *
 * @example
 * ```ts
 * const metadata = createMetadataCache('https://login.example.com/', { timeout: 3000, maxResponseBytes: 65536, cooldownMs: 30_000 })
 * const keys = createRemoteKeySet({ jwksUri: metadata.jwksUri, algorithms: ['RS256'], keySet })
 * ```
 */
export function createMetadataCache(issuer: string, options: MetadataCacheOptions): MetadataCache {
  const { cooldownMs: cooldown } = options
  const now = options.now ?? Date.now
  let value: AuthorizationServerMetadata | undefined
  let failure: { error: unknown; at: number } | undefined
  let inFlight: Promise<AuthorizationServerMetadata> | undefined

  async function get(): Promise<AuthorizationServerMetadata> {
    if (value !== undefined) return value
    if (inFlight !== undefined) return inFlight
    if (failure !== undefined && now() - failure.at < cooldown) throw failure.error
    inFlight = (async () => {
      try {
        value = await discoverMetadata(issuer, options)
        failure = undefined
        return value
      } catch (error) {
        failure = { error, at: now() }
        throw error
      } finally {
        inFlight = undefined
      }
    })()
    return inFlight
  }

  return {
    get,
    jwksUri: async () => {
      const metadata = await get()
      if (metadata.jwks_uri === undefined) {
        const error = 'metadata has no jwks_uri'
        throw new MetadataError(`issuer ${issuer}: ${error}`, issuer, [])
      }
      return metadata.jwks_uri
    },
  }
}
