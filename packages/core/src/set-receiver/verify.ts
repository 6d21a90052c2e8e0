import type { JWSHeaderParameters } from 'jose'
import { InvalidTokenError, UnavailableError } from '../errors.js'
import { decodeJws } from '../jwt/compact.js'
import { verifySignature } from '../jwt/signature.js'
import type { KeySet, VerificationKey } from '../keys/key-set.js'
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
  let decoded: ReturnType<typeof decodeJws>
  try {
    decoded = decodeJws(token)
  } catch (error) {
    throw new SetError('invalid_request', error)
  }
  const { header, payload, signingInput, signature } = decoded
  if (normalizeTyp(header.typ) !== 'secevent+jwt' || header.crit !== undefined)
    throw new SetError('invalid_request')
  const alg = header.alg
  if (typeof alg !== 'string' || !context.algorithms.includes(alg)) throw new SetError('invalid_key')
  // The unverified `iss` only has to equal the one transmitter: no key is ever fetched for another.
  if (payload.iss !== context.issuer) throw new SetError('invalid_issuer')

  let key: VerificationKey
  try {
    key = await context.keySet.getKey(header as JWSHeaderParameters)
  } catch (error) {
    if (error instanceof UnavailableError) throw new SetUnavailableError(error)
    throw new SetError('invalid_key', error)
  }
  try {
    verifySignature(alg, key, signingInput, signature)
  } catch (error) {
    const reason = error instanceof InvalidTokenError ? error.reason : undefined
    throw new SetError(reason === 'bad_signature' ? 'authentication_failed' : 'invalid_key', error)
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

/** `secevent+jwt`, case-insensitive, with or without `application/` (RFC 8417 §2.3, RFC 7515 §4.1.9). */
function normalizeTyp(typ: unknown): string | undefined {
  if (typeof typ !== 'string') return undefined
  const lower = typ.toLowerCase()
  return lower.startsWith('application/') ? lower.slice(12) : lower
}
