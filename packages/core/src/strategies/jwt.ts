import type { JWSHeaderParameters } from 'jose'
import { buildAuthContext } from '../auth-context.js'
import { InvalidTokenError, TokenError, UnavailableError, type RejectReason } from '../errors.js'
import type { EventListener } from '../events.js'
import { tokenHash } from '../cache/token-hash.js'
import { VerifiedTokenCache } from '../cache/verified-token-cache.js'
import { checkClaimTypes, checkTimeClaims } from '../jwt/claims.js'
import { checkProfileClaims } from '../profiles/claims.js'
import type { ResolvedProfile } from '../profiles/types.js'
import type { CompactJws, InspectedToken } from '../jws/decode.js'
import { normalizeTyp } from '../jws/header.js'
import { verifyJws, type JwsRules, type SignatureBackend } from '../jws/verify.js'
import type { KeySet } from '../keys/key-set.js'
import type { ResolvedJwtOptions } from '../options.js'
import type { TokenClaims } from '../types.js'
import { inspect, withIntrospection, type TokenStrategy, type Verified } from './strategy.js'

export interface JwtStrategyDeps {
  jwt: ResolvedJwtOptions
  issuers: readonly string[]
  audiences: readonly string[]
  scopeClaim: string | undefined
  /** Each trusted issuer's profile (RFC 9068 unless configured): `typ`, audience rule, required claims. */
  profiles: ReadonlyMap<string, ResolvedProfile>
  /** The key set of a configured issuer. Only ever called with an allowlisted `iss`. */
  keySetFor(issuer: string): KeySet
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
  const cache = new VerifiedTokenCache(jwt.cacheMax, remoteKeys ? jwt.keySet.cacheMaxAge : Infinity)
  const { profiles } = deps
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

  const rules: JwsRules = {
    algorithms: jwt.algorithms,
    // RFC 8725 §3.8: the unverified `iss` only selects among trusted issuers; an unknown one is
    // refused before any key is fetched, so a token cannot make us call an address it names.
    // RFC 9068 §4: `typ` keeps ID tokens and other JWTs from passing as access tokens (checked
    // again with the claims; here it spares a signature check).
    typ(header, payload) {
      const profile = profileOf(payload)
      return profile.typ === false || profile.typ.has(normalizeTyp(header.typ))
    },
    async key(header, payload) {
      try {
        return await deps.keySetFor(payload.iss as string).getKey(header as JWSHeaderParameters)
      } catch (error) {
        throw toTokenError(error)
      }
    },
  }

  function profileOf(payload: Readonly<Record<string, unknown>>): ResolvedProfile {
    const profile = typeof payload.iss === 'string' ? profiles.get(payload.iss) : undefined
    if (profile === undefined) throw new InvalidTokenError({ reason: 'unknown_issuer' })
    return profile
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
    const { header, payload } = await verifyJws(jws ?? token, rules, deps.signatureBackend)
    const profile = profileOf(payload)
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
