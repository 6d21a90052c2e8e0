import { createHash } from 'node:crypto'
import { calculateJwkThumbprint, importJWK, type JWK } from 'jose'
import { InvalidDpopProofError, TokenError, UnavailableError, UseDpopNonceError } from '../errors.js'
import { decodeJws } from '../jwt/compact.js'
import { verifySignature } from '../jwt/signature.js'
import type { NonceSource } from './nonce.js'
import { normalizeUri } from './request-url.js'

/** Everything a DPoP proof is checked against (RFC 9449 §4.3). */
export interface ProofCheck {
  proof: string
  method: string
  /** The normalised request URI the proof's `htu` must match. */
  uri: string
  accessToken: string
  algorithms: readonly string[]
  /** Oldest accepted proof (`iat`), in seconds. */
  maxAge: number
  clockTolerance: number
  nowMs: number
  nonce: NonceSource | undefined
  /** Records a proof's `jti`; false when it was seen before (replay). Shared across a fleet by the store. */
  remember: (key: string, ttlMs: number) => Promise<boolean>
  /** Headers for the response to an accepted request (a fresh `DPoP-Nonce`, RFC 9449 §8.2). */
  respond?: (headers: Record<string, string>) => void
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']

/** Verifies a DPoP proof and returns the thumbprint (RFC 7638) of the key that signed it. */
export async function verifyDpopProof(check: ProofCheck): Promise<string> {
  const { header, payload, signingInput, signature } = decode(check.proof)
  // §4.2: typ dpop+jwt, an asymmetric alg we accept, and the public key in `jwk`.
  if (normalizeTyp(header.typ) !== 'dpop+jwt') throw invalid()
  const alg = header.alg
  if (typeof alg !== 'string' || !check.algorithms.includes(alg)) throw invalid()
  const jwk = header.jwk
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) throw invalid()
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) throw invalid()
  if (header.crit !== undefined) throw invalid()

  let key: Awaited<ReturnType<typeof importJWK>>
  try {
    key = await importJWK(jwk as JWK, alg)
  } catch {
    throw invalid()
  }
  try {
    verifySignature(alg, key, signingInput, signature)
  } catch {
    throw invalid()
  }

  const nowSeconds = check.nowMs / 1000
  const { jti, htm, htu, iat, ath } = payload
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw invalid()
  if (htm !== check.method) throw invalid()
  if (typeof htu !== 'string' || normalizeUri(htu) !== check.uri) throw invalid()
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalid()
  if (nowSeconds - iat > check.maxAge + check.clockTolerance || iat - nowSeconds > check.clockTolerance) {
    throw invalid()
  }
  // §4.3 point 11: the proof is bound to this access token.
  if (ath !== createHash('sha256').update(check.accessToken).digest('base64url')) throw invalid()
  const nonceAge = check.nonce?.ageOf(payload.nonce)
  if (check.nonce !== undefined && nonceAge === undefined) throw new UseDpopNonceError(check.nonce.issue())

  const thumbprint = await calculateJwkThumbprint(jwk as JWK, 'sha256')
  let fresh: boolean
  try {
    // §11.1: a proof is single-use within its window; remembered a little longer than it can live.
    fresh = await check.remember(
      `dpop:${thumbprint}:${jti}`,
      (check.maxAge + 2 * check.clockTolerance) * 1000,
    )
  } catch (error) {
    throw new UnavailableError({ reason: 'denylist_unavailable', retryAfter: 2, cause: error })
  }
  if (!fresh) throw new InvalidDpopProofError({ reason: 'dpop_replay' })
  // §8.2: an aging nonce is replaced on the success response; never cached, like every nonce answer.
  if (check.nonce !== undefined && nonceAge !== undefined && check.nonce.isAging(nonceAge))
    check.respond?.({ 'DPoP-Nonce': check.nonce.issue(), 'Cache-Control': 'no-store' })
  return thumbprint
}

function decode(proof: string) {
  try {
    return decodeJws(proof)
  } catch (error) {
    if (error instanceof TokenError) throw invalid()
    throw error
  }
}

function normalizeTyp(typ: unknown): string | undefined {
  if (typeof typ !== 'string') return undefined
  const lower = typ.toLowerCase()
  return lower.startsWith('application/') ? lower.slice(12) : lower
}

function invalid(): InvalidDpopProofError {
  return new InvalidDpopProofError({})
}
