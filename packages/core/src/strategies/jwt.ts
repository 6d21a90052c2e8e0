import type { JWSHeaderParameters } from 'jose'
import { buildAuthContext } from '../auth-context.js'
import { InvalidTokenError, TokenError, UnavailableError, type RejectReason } from '../errors.js'
import type { EventListener } from '../events.js'
import { tokenHash } from '../cache/token-hash.js'
import { VerifiedTokenCache } from '../cache/verified-token-cache.js'
import { checkClaimTypes, checkTimeClaims } from '../jwt/claims.js'
import { checkProfileClaims } from '../profiles/claims.js'
import { normalizeTyp } from '../profiles/resolve.js'
import { decodeJws } from '../jwt/compact.js'
import { verifySignature } from '../jwt/signature.js'
import type { TrustedIssuer } from '../keys/issuer-resolver.js'
import type { VerificationKey } from '../keys/key-set.js'
import type { ResolvedJwtOptions } from '../options.js'
import type { AuthContext, TokenClaims } from '../types.js'

export interface JwtStrategyDeps {
  jwt: ResolvedJwtOptions
  issuers: readonly string[]
  audiences: readonly string[]
  scopeClaim: string | undefined
  /**
   * The trusted issuer of a token's `iss` (profile, algorithms, key set), or `undefined` when it is
   * not trusted; rejects only with a 503. Called only once the token's shape and `alg` passed.
   */
  resolveIssuer(issuer: string): TrustedIssuer | undefined | Promise<TrustedIssuer | undefined>
  now: () => number
  emit: EventListener
}

export interface VerifiedJwt {
  context: AuthContext
  cached: boolean
}

/**
 * Local JWT validation: RFC 9068 access tokens under RFC 8725 rules. jose finds and imports the
 * keys; signatures are checked on Node KeyObjects against pinned algorithms (jwt/signature.ts);
 * the issuer is chosen only from the allowlist; verified tokens are cached.
 */
export function createJwtStrategy(deps: JwtStrategyDeps) {
  const { jwt } = deps
  const remoteKeys = jwt.secret === undefined && jwt.jwks === undefined
  const cache = new VerifiedTokenCache(jwt.cacheMax, remoteKeys ? jwt.keySet.cacheMaxAge : Infinity)
  const timeRules = { clockTolerance: jwt.clockTolerance, maxTokenAge: jwt.maxTokenAge }
  const requiredClaims = ['exp', ...jwt.requiredClaims]

  /**
   * The verified-token cache alone: a repeated token is answered here, before any decoding (time
   * claims are still checked). `cacheKey` is handed on to `verifyFresh` on a miss.
   */
  function peek(token: string): { hit: VerifiedJwt | undefined; cacheKey: string } {
    const cacheKey = tokenHash(token)
    const nowMs = deps.now()
    const context = cache.get(cacheKey, nowMs)
    if (context === undefined) {
      deps.emit({ type: 'cache_miss', cache: 'verified_jwt' })
      return { hit: undefined, cacheKey }
    }
    deps.emit({ type: 'cache_hit', cache: 'verified_jwt' })
    checkTimeClaims(context.claims, nowMs / 1000, timeRules)
    return { hit: { context, cached: true }, cacheKey }
  }

  async function verify(token: string): Promise<VerifiedJwt> {
    const { hit, cacheKey } = peek(token)
    return hit ?? verifyFresh(token, cacheKey)
  }

  /**
   * Full verification of a token the cache did not hold. `checkTime: false` (revocation: an
   * expired token may be revoked) skips the time claims and leaves the cache alone.
   */
  async function verifyFresh(
    token: string,
    cacheKey: string,
    { checkTime = true }: { checkTime?: boolean } = {},
  ): Promise<VerifiedJwt> {
    const nowMs = deps.now()
    const nowSeconds = nowMs / 1000

    const { header, payload, signingInput, signature } = decodeJws(token)
    const alg = header.alg
    if (typeof alg !== 'string' || !jwt.algorithms.includes(alg)) {
      throw new InvalidTokenError({ reason: 'algorithm_not_allowed' })
    }
    // RFC 7515 §4.1.11: we understand no extension, so any `crit` is refused; and `b64` at all
    // (RFC 7797 §6: JWTs never use an unencoded payload).
    if (header.crit !== undefined || header.b64 !== undefined)
      throw new InvalidTokenError({ reason: 'malformed_token' })
    // RFC 8725 §3.8: the unverified `iss` only selects among trusted issuers; an unknown one is
    // refused before any key is fetched, so a token cannot make us call an address it names.
    const issuer = typeof payload.iss === 'string' ? payload.iss : undefined
    const trusted = issuer === undefined ? undefined : await deps.resolveIssuer(issuer)
    if (trusted === undefined) throw new InvalidTokenError({ reason: 'unknown_issuer' })
    const { profile } = trusted
    if (!trusted.algorithms.includes(alg)) throw new InvalidTokenError({ reason: 'algorithm_not_allowed' })
    // RFC 9068 §4: `typ` keeps ID tokens and other JWTs from passing as access tokens (checked
    // again with the claims below; here it spares a signature check).
    if (profile.typ !== false && !profile.typ.has(normalizeTyp(header.typ))) {
      throw new InvalidTokenError({ reason: 'wrong_type' })
    }

    // The key only ever comes from our set: `jwk`, `jku`, `x5u` and `x5c` headers are ignored.
    let key: VerificationKey
    try {
      key = await trusted.keySet.getKey(header as JWSHeaderParameters)
    } catch (error) {
      throw toTokenError(error)
    }
    verifySignature(alg, key, signingInput, signature)

    const claims = payload as TokenClaims
    // The profile's audience rule, `typ`, required claims (RFC 9068 §2.2 by default) and claim shapes.
    checkProfileClaims(header, claims, profile)
    for (const name of requiredClaims) {
      if (claims[name] === undefined) throw new InvalidTokenError({ reason: 'missing_claim' })
    }
    checkClaimTypes(claims)
    if (checkTime) checkTimeClaims(claims, nowSeconds, timeRules)
    const context = buildAuthContext('jwt', token, claims, profile)
    if (checkTime) cache.set(cacheKey, context, nowMs)
    return { context, cached: false }
  }

  return {
    verify,
    peek,
    verifyFresh,
    /** Empties the verified-token cache; called whenever a key set changes. */
    clearCache: () => cache.clear(),
    get cacheSize() {
      return cache.size
    },
  }
}

export type JwtStrategy = ReturnType<typeof createJwtStrategy>

const JOSE_REASONS: Record<string, RejectReason> = {
  ERR_JWT_EXPIRED: 'expired',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'bad_signature',
  ERR_JOSE_ALG_NOT_ALLOWED: 'algorithm_not_allowed',
  ERR_JOSE_NOT_SUPPORTED: 'malformed_token',
  ERR_JWKS_NO_MATCHING_KEY: 'unknown_key',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'unknown_key',
  ERR_JWS_INVALID: 'malformed_token',
  ERR_JWT_INVALID: 'malformed_token',
}

const CLAIM_REASONS: Record<string, RejectReason> = {
  iss: 'unknown_issuer',
  aud: 'wrong_audience',
  typ: 'wrong_type',
  nbf: 'not_yet_valid',
  iat: 'too_old',
  exp: 'expired',
}

/** Maps what key selection threw: jose's verdicts to `invalid_token`; our own errors (503s) pass through. */
function toTokenError(error: unknown): TokenError {
  if (error instanceof TokenError) return error
  const { code, claim, reason } = (error ?? {}) as { code?: string; claim?: string; reason?: string }
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    if (reason === 'missing') return new InvalidTokenError({ reason: 'missing_claim' })
    if (reason !== 'check_failed') return new InvalidTokenError({ reason: 'invalid_claim' })
    return new InvalidTokenError({ reason: CLAIM_REASONS[claim ?? ''] ?? 'invalid_claim' })
  }
  // Only jose's own verdicts (an `ERR_…` code) say the token is bad; any other throw is a fault on
  // our side, answered 503 `internal_error` rather than blamed on the token as a bad signature.
  if (typeof code !== 'string' || !code.startsWith('ERR_')) {
    return new UnavailableError({ reason: 'internal_error', cause: error })
  }
  return new InvalidTokenError({ reason: JOSE_REASONS[code] ?? 'malformed_token', cause: error })
}
