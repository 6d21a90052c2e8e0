import type { JWSHeaderParameters } from 'jose'
import { buildAuthContext } from '../auth-context.js'
import { InvalidTokenError, TokenError, UnavailableError, type RejectReason } from '../errors.js'
import type { EventListener } from '../events.js'
import { tokenHash } from '../cache/token-hash.js'
import { VerifiedTokenCache } from '../cache/verified-token-cache.js'
import { checkClaimTypes, checkTimeClaims } from '../jwt/claims.js'
import { checkProfileClaims } from '../profiles/claims.js'
import type { CompactJws, InspectedToken } from '../jws/decode.js'
import { normalizeTyp } from '../jws/header.js'
import { verifyJws, type SignatureBackend } from '../jws/verify.js'
import type { TrustedIssuer } from '../keys/issuer-resolver.js'
import type { VerificationKey } from '../keys/key-set.js'
import type { ResolvedJwtOptions } from '../options.js'
import type { TokenClaims } from '../types.js'
import { inspect, withIntrospection, type TokenStrategy, type Verified } from './strategy.js'

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
  /** The kernel's signature step; node:crypto unless a benchmark swaps it. */
  signatureBackend?: SignatureBackend
}

export type VerifiedJwt = Verified

/**
 * Local JWT validation: RFC 9068 access tokens under RFC 8725 rules, through the JWS kernel
 * (jws/verify.ts). jose finds and imports the keys; the issuer is chosen only from the allowlist;
 * verified tokens are cached.
 */
export function createJwtStrategy(deps: JwtStrategyDeps) {
  const { jwt } = deps
  const remoteKeys = jwt.secret === undefined && jwt.jwks === undefined
  const cache = new VerifiedTokenCache(jwt.cacheMax, remoteKeys ? jwt.keySet.cacheMaxAgeMs : Infinity)
  // Claims are in seconds (RFC 7519 §2 NumericDate): the rules are too.
  const timeRules = {
    clockTolerance: jwt.clockToleranceMs / 1000,
    maxTokenAge: jwt.maxTokenAgeMs === undefined ? undefined : jwt.maxTokenAgeMs / 1000,
  }
  const requiredClaims = ['exp', ...jwt.requiredClaims]

  /**
   * The verified-token cache alone: a repeated token is answered here, before any decoding (time
   * claims are still checked). `cacheKey` is handed on to `verifyFresh` on a miss.
   */
  function peek(token: string): { hit: VerifiedJwt | undefined; cacheKey: string } {
    const cacheKey = tokenHash(token)
    const nowMs = deps.now()
    const context = cache.get(cacheKey, token, nowMs)
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
   * The kernel's key step for an access token: RFC 8725 §3.8, the unverified `iss` only selects
   * among trusted issuers (an unknown one is refused before any key is fetched, so a token cannot
   * make us call an address it names); then that issuer's algorithms and, RFC 9068 §4, its `typ`
   * (checked again with the claims; here it spares a signature check); then its key set.
   */
  async function trustAndKey(
    header: Readonly<Record<string, unknown>>,
    payload: Readonly<Record<string, unknown>>,
    alg: string,
  ): Promise<{ trusted: TrustedIssuer; key: VerificationKey }> {
    const issuer = typeof payload.iss === 'string' ? payload.iss : undefined
    const trusted = issuer === undefined ? undefined : await deps.resolveIssuer(issuer)
    if (trusted === undefined) throw new InvalidTokenError({ reason: 'unknown_issuer' })
    if (!trusted.algorithms.includes(alg)) throw new InvalidTokenError({ reason: 'algorithm_not_allowed' })
    const { profile } = trusted
    if (profile.typ !== false && !profile.typ.has(normalizeTyp(header.typ))) {
      throw new InvalidTokenError({ reason: 'wrong_type' })
    }
    try {
      return { trusted, key: await trusted.keySet.getKey(header as JWSHeaderParameters) }
    } catch (error) {
      throw toTokenError(error)
    }
  }

  /**
   * Full verification of a token the cache did not hold; `jws` is its split form when the caller
   * already inspected it (the header is then not parsed again). `checkTime: false` (revocation: an
   * expired token may be revoked) skips the time claims and leaves the cache alone.
   */
  async function verifyFresh(
    token: string,
    cacheKey: string,
    { checkTime = true, jws }: { checkTime?: boolean; jws?: CompactJws } = {},
  ): Promise<VerifiedJwt> {
    const nowMs = deps.now()
    let trusted: TrustedIssuer | undefined
    const { header, payload } = await verifyJws(
      jws ?? token,
      {
        algorithms: jwt.algorithms,
        async key(h, p, alg) {
          const found = await trustAndKey(h, p, alg)
          trusted = found.trusted
          return found.key
        },
      },
      deps.signatureBackend,
    )
    // Set by the key step, which ran before the signature passed.
    if (trusted === undefined) throw new InvalidTokenError({ reason: 'unknown_issuer' })
    const { profile } = trusted
    const claims = payload as TokenClaims
    // The profile's audience rule, `typ`, required claims (RFC 9068 §2.2 by default) and claim shapes.
    checkProfileClaims(header, claims, profile)
    for (const name of requiredClaims) {
      if (claims[name] === undefined) throw new InvalidTokenError({ reason: 'missing_claim' })
    }
    checkClaimTypes(claims)
    if (checkTime) checkTimeClaims(claims, nowMs / 1000, timeRules)
    const context = buildAuthContext('jwt', token, claims, profile)
    if (checkTime) cache.set(cacheKey, context, nowMs)
    return { context, cached: false }
  }

  /** A token already inspected (hybrid routes): a JWS is verified, anything else is not ours. */
  function verifyInspected(token: string, inspected: InspectedToken, cacheKey = tokenHash(token)) {
    if (inspected.jws === undefined) throw new InvalidTokenError({ reason: 'wrong_strategy' })
    return verifyFresh(token, cacheKey, { jws: inspected.jws })
  }

  const strategy: TokenStrategy = {
    forRoute(policy) {
      const finish = withIntrospection(policy.introspect)
      return async (token) => {
        // A token already verified is answered from the cache before any decoding.
        const { hit, cacheKey } = peek(token)
        return finish(token, hit ?? (await verifyInspected(token, inspect(token), cacheKey)))
      }
    },
  }

  return {
    ...strategy,
    verify,
    peek,
    verifyInspected,
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
