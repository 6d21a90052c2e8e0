import type { Jwk as JWK } from '../jwk.js'
import { LRUCache } from 'lru-cache'
import type { Dispatcher } from 'undici'
import type { RevokeSubjectOptions, RevokeTarget } from '../denylist/revocation.js'
import type { KeySet } from '../keys/key-set.js'
import { createLocalKeySet } from '../keys/local-key-set.js'
import { createRemoteKeySet } from '../keys/remote-key-set.js'
import { decodeUtf8 } from '../jws/decode.js'
import { SetError, type SetErrorCode } from './errors.js'
import { revocationActions, type RevocationAction } from './subjects.js'
import { verifySet } from './verify.js'
import { resolveSetReceiverOptions } from '../options/set-receiver.js'

export interface SetReceiverOptions {
  /** Where revocations go: a validator (its store shares them with every instance). */
  validator: {
    revoke(target: RevokeTarget): Promise<void>
    revokeSubject(subject: string, options?: RevokeSubjectOptions): Promise<void>
  }
  transmitter: {
    /** The SET `iss`: the only one accepted. */
    issuer: string
    /** The transmitter's JWK set URL (fetched and cached like a token issuer's) … */
    jwksUri?: string
    /** … or its keys given here. */
    jwks?: { keys: JWK[] }
    /** Default `['RS256', 'ES256']`. */
    algorithms?: readonly string[]
  }
  /** This receiver's identifier(s): the SET `aud` must contain one. */
  audience: string | readonly string[]
  /** The issuer of `opaque` subjects; default every issuer the validator trusts. */
  subjectIssuer?: string
  /** How long a token revoked by `jwt_id` stays refused, in seconds (its `exp` is unknown). Default 86400. */
  revocationTtl?: number
  /** How many SET `jti`s are remembered to ignore replays. Default 10000. */
  replayCacheSize?: number
  /** Largest accepted body, in bytes. Default 65536. */
  maxBodyBytes?: number
  /** Leeway for an `iat` in the future, in seconds. Default 60. */
  clockTolerance?: number
  /** Clock in ms (a test seam). Default `Date.now`. */
  now?: () => number
  /** undici dispatcher for the JWK set fetches. */
  dispatcher?: Dispatcher
}

export interface SetRequest {
  method: string
  headers: Record<string, string | string[] | undefined>
  body: string | Buffer | Uint8Array | undefined
}

export interface SetResponse {
  status: 202 | 400 | 405 | 413 | 415 | 503
  headers: Record<string, string>
  body?: { err: SetErrorCode; description: string }
}

export interface SetReceiver {
  /** Answers one push delivery (RFC 8935 §2); never throws. */
  handle(request: SetRequest): Promise<SetResponse>
  close(): void
}

/**
 * A push receiver for Security Event Tokens (RFC 8417 delivered per RFC 8935): CAEP and RISC
 * events that end sessions or disable accounts become denylist entries on every instance sharing
 * the validator's store, so sensitive routes refuse the subject's older tokens at once.
 */
export function createSetReceiver(options: SetReceiverOptions): SetReceiver {
  const resolved = resolveSetReceiverOptions(options)
  const { algorithms, now, maxBodyBytes } = resolved
  const revocationTtl = resolved.revocationTtlMs / 1000
  const seen = new LRUCache<string, true>({ max: resolved.replayCacheSize })
  const keySet: KeySet =
    'jwks' in resolved.keys
      ? createLocalKeySet(resolved.keys.jwks, { algorithms })
      : createRemoteKeySet({
          jwksUri: resolved.keys.jwksUri,
          algorithms,
          keySet: resolved.keySet,
          dispatcher: options.dispatcher,
          now,
        })

  async function apply(action: RevocationAction): Promise<void> {
    try {
      if (action.kind === 'token') {
        await options.validator.revoke({
          jti: action.jti,
          iss: action.iss,
          exp: now() / 1000 + revocationTtl,
        })
      } else {
        await options.validator.revokeSubject(action.sub, {
          issuedBefore: action.issuedBefore,
          issuer: action.issuer,
        })
      }
    } catch (error) {
      // An issuer the validator does not trust has no tokens here to refuse: nothing to do.
      if (!(error instanceof TypeError)) throw error
    }
  }

  async function handle(request: SetRequest): Promise<SetResponse> {
    if (request.method.toUpperCase() !== 'POST') return { status: 405, headers: { allow: 'POST' } }
    if (mediaType(request.headers['content-type']) !== 'application/secevent+jwt') {
      return { status: 415, headers: { 'accept-post': 'application/secevent+jwt' } }
    }
    const body = request.body
    if (
      body !== undefined &&
      (typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength) > maxBodyBytes
    ) {
      return { status: 413, headers: {} }
    }
    // The body goes through the same strict UTF-8 decoder as every JWS segment.
    const text = typeof body === 'string' ? body : body === undefined ? '' : decodeUtf8(Buffer.from(body))
    const token = (text ?? '').trim()
    try {
      if (text === undefined) throw new SetError('invalid_request')
      const claims = await verifySet(token, {
        issuer: resolved.issuer,
        audiences: resolved.audiences,
        algorithms,
        keySet,
        nowSeconds: now() / 1000,
        clockTolerance: resolved.clockToleranceMs / 1000,
      })
      const id = `${claims.iss}\n${claims.jti}`
      if (seen.has(id)) return accepted() // a replay (or a retry after a lost answer): already applied
      const actions = revocationActions(claims, options.subjectIssuer)
      await Promise.all(actions.map(apply))
      seen.set(id, true) // only once applied: a SET whose revocation failed may come again
      return accepted()
    } catch (error) {
      if (error instanceof SetError) {
        return {
          status: 400,
          headers: { 'content-type': 'application/json' },
          body: { err: error.err, description: error.description },
        }
      }
      // SetUnavailableError (key set down), a store failure, anything unexpected: the transmitter
      // retries later (RFC 8935 §2.3: a general HTTP error), rather than drop a revocation.
      return { status: 503, headers: { 'retry-after': '5' } }
    }
  }

  return { handle, close: () => keySet.close() }
}

const accepted = (): SetResponse => ({ status: 202, headers: {} })

function mediaType(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header
  return value?.split(';')[0]?.trim().toLowerCase()
}
