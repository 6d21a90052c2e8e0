import { InvalidTokenError, UnavailableError } from '../errors.js'
import { normalizeTyp } from '../jws/header.js'
import { verifyJws } from '../jws/verify.js'
import type { KeySet } from '../keys/key-set.js'
import { SetError, SetUnavailableError } from './errors.js'

/** The claims of a verified SET (RFC 8417 §2.2) this receiver relies on. */
export interface SetClaims {
  iss: string
  jti: string
  iat: number
  /** Event type URI → event payload (each a JSON object). */
  events: Record<string, Record<string, unknown>>
  /** RFC 8417 §2.2 time of the event, when the transmitter gives it. */
  toe?: number
  [claim: string]: unknown
}

export interface VerifySetContext {
  issuer: string
  audiences: ReadonlySet<string>
  algorithms: readonly string[]
  keySet: KeySet
  nowSeconds: number
  /** Leeway for an `iat` in the future, in seconds. */
  clockTolerance: number
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/**
 * Verifies a SET (RFC 8417) as RFC 8935 §2 asks of a push receiver: a JWS typed `secevent+jwt`
 * (§2.3: keeps other JWTs from passing as SETs), from the configured transmitter, for this audience,
 * signed with one of its keys under a pinned algorithm, with `iat`, `jti` and an `events` object.
 * `exp` and `sub` are not required (§2.2). Throws `SetError` (400) or `SetUnavailableError` (503).
 */
export async function verifySet(token: string, context: VerifySetContext): Promise<SetClaims> {
  let payload: Record<string, unknown>
  try {
    ;({ payload } = await verifyJws(token, {
      algorithms: context.algorithms,
      typ: (header) => normalizeTyp(header.typ) === 'secevent+jwt',
      async key(header, unverified) {
        // The unverified `iss` only has to equal the one transmitter: no key is ever fetched for another.
        if (unverified.iss !== context.issuer) throw new SetError('invalid_issuer')
        try {
          return await context.keySet.getKey(header)
        } catch (error) {
          if (error instanceof UnavailableError) throw new SetUnavailableError(error)
          throw new SetError('invalid_key', error)
        }
      },
    }))
  } catch (error) {
    throw toSetError(error)
  }

  const aud = payload.aud
  const listed = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []
  if (!listed.some((value) => typeof value === 'string' && context.audiences.has(value))) {
    throw new SetError('invalid_audience')
  }
  const { iat, jti, events, toe } = payload
  if (typeof iat !== 'number' || !Number.isFinite(iat) || iat > context.nowSeconds + context.clockTolerance) {
    throw new SetError('invalid_request')
  }
  if (typeof jti !== 'string' || jti === '') throw new SetError('invalid_request')
  if (!isObject(events) || !Object.values(events).every(isObject)) throw new SetError('invalid_request')
  if (toe !== undefined && (typeof toe !== 'number' || !Number.isFinite(toe)))
    throw new SetError('invalid_request')
  return payload as SetClaims
}

/** The kernel's refusals as RFC 8935 §2.4 codes; the key step's own errors pass through. */
function toSetError(error: unknown): unknown {
  if (!(error instanceof InvalidTokenError)) return error
  if (error.reason === 'algorithm_not_allowed') return new SetError('invalid_key', error)
  if (error.reason === 'bad_signature') return new SetError('authentication_failed', error)
  return new SetError('invalid_request', error)
}
