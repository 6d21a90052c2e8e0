import type { ChallengeContext } from './errors.js'

/**
 * What core notes on a request while it validates it, for the adapter to act on: plain data on the
 * request's own object (one per request), never a lookup table shared by requests.
 */
export interface RequestAnswer {
  /** The challenge (realm, scheme, parameters) of the validator that took this request. */
  challenge?: ChallengeContext
  /** Headers for the success response: a fresh `DPoP-Nonce` with `Cache-Control` (RFC 9449 §8.2). */
  headers?: Record<string, string>
}

/**
 * The structural view of an HTTP request that core works on. Every adapter maps its framework's
 * request to this shape; nothing in core imports a framework.
 */
export interface RequestLike {
  method: string
  /** Path and query, as received (`/items?x=1`). */
  url?: string
  /** Lower-cased header names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>
  /**
   * Node's raw header list (`[name, value, name, value, …]`). Node folds a repeated `Authorization`
   * header into the first one; the raw list is how a second one is detected.
   */
  rawHeaders?: readonly string[]
  /** The parsed body, when the framework has parsed it (only read for form-encoded bodies). */
  body?: unknown
  /** The parsed query string, when the framework has parsed it. */
  query?: Record<string, unknown>
  /** `https` when the connection is TLS (DPoP `htu` without a configured origin). */
  protocol?: string
  /** The client certificate (DER) of a mutual-TLS connection, read only when a token is bound to one. */
  peerCertificate?: () => Uint8Array | undefined
  /** Written by core while it validates this request, read by the adapter (see `RequestAnswer`). */
  answer?: RequestAnswer
}
