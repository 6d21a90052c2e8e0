import { performance } from 'node:perf_hooks'
import type { Dispatcher } from 'undici'
import { TokenError, UnavailableError } from '../errors.js'
import { safeListener, type EventListener } from '../events.js'
import { HttpFailure, httpRequest, parseJsonObject } from '../http.js'

/** Resolved options (options/introspection.ts checked them once): trusted as given. */
export interface IntrospectionClientOptions {
  /** The introspection endpoint, or a function resolving it lazily (e.g. from the issuer's RFC 8414 metadata). */
  endpoint: string | (() => Promise<string>)
  clientId: string
  clientSecret: string
  /** How we authenticate to the endpoint (RFC 7662 §2.1 requires some authorization). */
  clientAuth: 'client_secret_basic' | 'client_secret_post'
  /** Deadline of one call, connection to last byte, in milliseconds. */
  timeout: number
  /** Largest response body read, in bytes. */
  maxResponseBytes: number
  /** undici dispatcher; default: the shared keep-alive pool of `http.ts`. */
  dispatcher?: Dispatcher
  /** Receives one `introspection` event per HTTP call (`coalesced: false`). */
  onEvent?: EventListener
}

export interface IntrospectionClient {
  /**
   * Asks the authorization server about `token` and returns its JSON object answer, unchecked
   * (the strategy checks it). Any outage throws `UnavailableError` (503): never a 401, never an accept.
   */
  introspect(token: string): Promise<Record<string, unknown>>
}

/** Characters the form serialiser leaves as they are: a token made only of them is sent as it is. */
const FORM_SAFE = /^[A-Za-z0-9*\-._]*$/

/** Seconds a client is told to wait after an outage (`Retry-After`). */
const RETRY_AFTER = 5

/**
 * An RFC 7662 introspection client: a form POST over the pooled HTTP client with a deadline and a
 * size cap. Anything but a `200` carrying a JSON object is an outage, so a broken or unreachable
 * authorization server fails closed with 503 rather than turning every caller away with 401.
 *
 * @example
 * ```ts
 * const client = createIntrospectionClient({
 *   endpoint: 'https://login.example.com/oauth2/introspect',
 *   clientId: 'api',
 *   clientSecret: process.env.API_SECRET!,
 *   clientAuth: 'client_secret_basic',
 *   timeout: 3000,
 *   maxResponseBytes: 65_536,
 * })
 * const response = await client.introspect(token) // { active: true, scope: '…', … }
 * ```
 */
export function createIntrospectionClient(options: IntrospectionClientOptions): IntrospectionClient {
  const { clientId, clientSecret, clientAuth, timeout, maxResponseBytes, dispatcher } = options
  const emit = safeListener(options.onEvent)
  const resolveEndpoint = typeof options.endpoint === 'string' ? constant(options.endpoint) : options.endpoint

  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  }
  if (clientAuth === 'client_secret_basic') {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded (Appendix B) *before* base64, so an id
    // holding ':' or non-ASCII characters survives the `id:secret` split on the server.
    const credentials = `${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`
    headers.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`
  }
  // RFC 6749 §2.3.1: with client_secret_post the credentials travel in the body; encoded once.
  const postCredentials =
    clientAuth === 'client_secret_post'
      ? `&client_id=${formUrlEncode(clientId)}&client_secret=${formUrlEncode(clientSecret)}`
      : ''

  async function introspect(token: string): Promise<Record<string, unknown>> {
    const started = performance.now()
    const fail = (
      error: string,
      cause?: unknown,
      reason: 'introspection_unavailable' | 'introspection_unauthorized' = 'introspection_unavailable',
    ): UnavailableError => {
      emit({
        type: 'introspection',
        outcome: 'error',
        durationMs: performance.now() - started,
        coalesced: false,
        error,
      })
      return new UnavailableError({ reason, retryAfter: RETRY_AFTER, cause })
    }

    let endpoint: string
    try {
      endpoint = await resolveEndpoint()
    } catch (error) {
      // A discovery outage is already a typed 503; anything else becomes one.
      if (error instanceof TokenError) {
        emit({
          type: 'introspection',
          outcome: 'error',
          durationMs: performance.now() - started,
          coalesced: false,
          error: 'endpoint discovery failed',
        })
        throw error
      }
      throw fail('endpoint discovery failed', error)
    }

    // RFC 7662 §2.1: the token, and a hint that it is an access token (saves the server a lookup).
    const form = `token=${FORM_SAFE.test(token) ? token : formUrlEncode(token)}&token_type_hint=access_token`

    let response
    try {
      response = await httpRequest(endpoint, {
        method: 'POST',
        headers,
        body: form + postCredentials,
        timeout,
        maxBytes: maxResponseBytes,
        dispatcher,
      })
    } catch (error) {
      const kind = error instanceof HttpFailure ? error.kind : 'network'
      throw fail(
        kind === 'timeout' ? 'timeout' : kind === 'too_large' ? 'response too large' : 'network error',
        error,
      )
    }

    // RFC 7662 §2.3: a 401 means *our* credentials were refused. That is a misconfiguration of
    // this resource server, not a verdict on the caller's token: 503, with a loud event.
    if (response.status === 401)
      throw fail('client authentication failed', undefined, 'introspection_unauthorized')
    // RFC 7662 §2.2: the answer is a 200 with a JSON object; anything else is a broken server.
    if (response.status !== 200) throw fail(`unexpected status ${response.status}`)
    const json = parseJsonObject(response.text)
    if (json === undefined) throw fail('response is not a JSON object')

    emit({
      type: 'introspection',
      outcome: json.active === true ? 'active' : 'inactive',
      durationMs: performance.now() - started,
      coalesced: false,
    })
    return json
  }

  return { introspect }
}

/**
 * `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B, §2.3.1 for the
 * Basic credentials): UTF-8, reserved octets percent-encoded, space as `+`.
 */
export function formUrlEncode(value: string): string {
  // The WHATWG form serialiser (what URLSearchParams produces): it leaves `*-._` as they are, so a
  // server that compares a client id like `resource-server` without decoding it still matches,
  // and every conforming decoder reads the same value back.
  return new URLSearchParams({ v: value }).toString().slice(2)
}

function constant(value: string): () => Promise<string> {
  const promise = Promise.resolve(value)
  return () => promise
}
