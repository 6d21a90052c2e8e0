import { createHash } from 'node:crypto'
import { calculateJwkThumbprint, importJWK, type JWK } from 'jose'
import { InvalidDpopProofError, TokenError, UnavailableError, UseDpopNonceError } from '../errors.js'
import { hasPrivateMembers, normalizeTyp } from '../jws/header.js'
import { verifyJws, type JwsRules } from '../jws/verify.js'
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
  /** Oldest accepted proof (`iat`). */
  maxAgeMs: number
  clockToleranceMs: number
  nowMs: number
  nonce: NonceSource | undefined
  /** Records a proof's `jti`; false when it was seen before (replay). Shared across a fleet by the store. */
  remember: (key: string, ttlMs: number) => Promise<boolean>
  /** Headers for the response to an accepted request (a fresh `DPoP-Nonce`, RFC 9449 §8.2). */
  respond?: (headers: Record<string, string>) => void
}

/** Verifies a DPoP proof and returns the thumbprint (RFC 7638) of the key that signed it. */
export async function verifyDpopProof(check: ProofCheck): Promise<string> {
  const { header, payload } = await verifyProofJws(check.proof, check.algorithms)
  const jwk = header.jwk as JWK
  const nowSeconds = check.nowMs / 1000
  const maxAge = check.maxAgeMs / 1000
  const clockTolerance = check.clockToleranceMs / 1000
  const { jti, htm, htu, iat, ath } = payload
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw invalid()
  if (htm !== check.method) throw invalid()
  if (typeof htu !== 'string' || normalizeUri(htu) !== check.uri) throw invalid()
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalid()
  if (nowSeconds - iat > maxAge + clockTolerance || iat - nowSeconds > clockTolerance) {
    throw invalid()
  }
  // §4.3 point 11: the proof is bound to this access token.
  if (ath !== createHash('sha256').update(check.accessToken).digest('base64url')) throw invalid()
  const nonceAge = check.nonce?.ageOf(payload.nonce)
  if (check.nonce !== undefined && nonceAge === undefined) throw new UseDpopNonceError(check.nonce.issue())

  const thumbprint = await calculateJwkThumbprint(jwk, 'sha256')
  let fresh: boolean
  try {
    // §11.1: a proof is single-use within its window; remembered a little longer than it can live.
    fresh = await check.remember(`dpop:${thumbprint}:${jti}`, check.maxAgeMs + 2 * check.clockToleranceMs)
  } catch (error) {
    throw new UnavailableError({ reason: 'denylist_unavailable', retryAfter: 2, cause: error })
  }
  if (!fresh) throw new InvalidDpopProofError({ reason: 'dpop_replay' })
  // §8.2: an aging nonce is replaced on the success response; never cached, like every nonce answer.
  if (check.nonce !== undefined && nonceAge !== undefined && check.nonce.isAging(nonceAge))
    check.respond?.({ 'DPoP-Nonce': check.nonce.issue(), 'Cache-Control': 'no-store' })
  return thumbprint
}

/** §4.2: the kernel's rules, `typ` dpop+jwt, and the key is the public JWK in the header. */
function proofRules(algorithms: readonly string[]): JwsRules {
  return {
    algorithms,
    typ: (header) => normalizeTyp(header.typ) === 'dpop+jwt',
    async key(header, _payload, alg) {
      const jwk = header.jwk
      if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk) || hasPrivateMembers(jwk))
        throw invalid()
      try {
        return await importJWK(jwk as JWK, alg)
      } catch {
        throw invalid()
      }
    },
  }
}

const rulesByAlgorithms = new WeakMap<readonly string[], JwsRules>()

/** Every refusal of the kernel is the one `invalid_dpop_proof`; a fault on our side passes through. */
async function verifyProofJws(proof: string, algorithms: readonly string[]) {
  let rules = rulesByAlgorithms.get(algorithms)
  if (rules === undefined) rulesByAlgorithms.set(algorithms, (rules = proofRules(algorithms)))
  try {
    return await verifyJws(proof, rules)
  } catch (error) {
    if (error instanceof TokenError) throw invalid()
    throw error
  }
}

function invalid(): InvalidDpopProofError {
  return new InvalidDpopProofError({})
}
