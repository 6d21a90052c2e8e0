import { buildAuthContext } from '../auth-context.js'
import { InvalidTokenError, TokenError, UnavailableError, type RejectReason } from '../errors.js'
import { isSilent, type EventListener } from '../events.js'
import { presentedFingerprint } from '../denylist/fingerprint.js'
import { VerifiedTokenCache } from '../cache/verified-token-cache.js'
import { checkClaimTypes, checkTimeClaims } from '../jwt/claims.js'
import { checkProfileClaims } from '../profiles/claims.js'
import type { CompactJws, InspectedToken } from '../jws/decode.js'
import { normalizeTyp } from '../jws/header.js'
import { checkJwsHeader, nodeBackend, type SignatureBackend } from '../jws/verify.js'
import type { TrustedIssuer } from '../keys/issuer-resolver.js'
import type { VerificationKey } from '../keys/key-set.js'
import type { ResolvedJwtOptions } from '../options.js'
import type { TokenClaims } from '../types.js'
import { inspect, type TokenStrategy, type Verified } from './strategy.js'

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
  const caching = jwt.cacheMax > 0
  // Claims are in seconds (RFC 7519 §2 NumericDate): the rules are too.
  const timeRules = {
    clockTolerance: jwt.clockToleranceMs / 1000,
    maxTokenAge: jwt.maxTokenAgeMs === undefined ? undefined : jwt.maxTokenAgeMs / 1000,
  }
  const requiredClaims = ['exp', ...jwt.requiredClaims]
  const backend = deps.signatureBackend ?? nodeBackend
  // With no listener, no event object is built at all.
  const emit = isSilent(deps.emit) ? undefined : deps.emit

  /**
   * The verified-token cache alone: a repeated token is answered here, before any decoding (time
   * claims are still checked). `cacheKey` is handed on to `verifyFresh` on a miss.
   */
  function peek(token: string): { hit: VerifiedJwt | undefined; cacheKey: string } {
    // With the cache off (`jwt.cache: false`) there is nothing to look up or store: no hash (the
    // miss is still reported, as it always was).
    if (!caching) {
      emit?.({ type: 'cache_miss', cache: 'verified_jwt' })
      return { hit: undefined, cacheKey: '' }
    }
    // SHA-256 of the token as presented: the cache key, and the denylist's presented fingerprint
    // (the context carries it), so a sensitive request does not hash the whole token twice.
    const cacheKey = presentedFingerprint(token)
    const nowMs = deps.now()
    const context = cache.get(cacheKey, token, nowMs)
    if (context === undefined) {
      emit?.({ type: 'cache_miss', cache: 'verified_jwt' })
      return { hit: undefined, cacheKey }
    }
    emit?.({ type: 'cache_hit', cache: 'verified_jwt' })
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
   * (checked again with the claims; here it spares a signature check). Its key set comes next.
   */
  function checkTrusted(
    trusted: TrustedIssuer | undefined,
    header: Readonly<Record<string, unknown>>,
    alg: string,
  ): TrustedIssuer {
    if (trusted === undefined) throw new InvalidTokenError({ reason: 'unknown_issuer' })
    if (!trusted.algorithms.includes(alg)) throw new InvalidTokenError({ reason: 'algorithm_not_allowed' })
    const { profile } = trusted
    if (profile.typ !== false && !profile.typ.has(normalizeTyp(header.typ))) {
      throw new InvalidTokenError({ reason: 'wrong_type' })
    }
    return trusted
  }

  /**
   * Full verification of a token the cache did not hold; `jws` is its split form when the caller
   * already inspected it (the header is then not parsed again). `checkTime: false` (revocation: an
   * expired token may be revoked) skips the time claims and leaves the cache alone. The kernel's
   * steps (jws/verify.ts) run in line: the one wait is for the key (and for the issuer, when a
   * resolver looks it up).
   */
  async function verifyFresh(
    token: string,
    cacheKey: string,
    { checkTime = true, jws }: { checkTime?: boolean; jws?: CompactJws } = {},
  ): Promise<VerifiedJwt> {
    const nowMs = deps.now()
    const input = jws ?? token
    const decoded = checkJwsHeader(input, jwsRules)
    const { header, payload, alg } = decoded
    const issuer = typeof payload.iss === 'string' ? payload.iss : undefined
    const found = issuer === undefined ? undefined : deps.resolveIssuer(issuer)
    const trusted = checkTrusted(found instanceof Promise ? await found : found, header, alg)
    // A key the set already holds is used without a wait; otherwise the set may fetch.
    let key: VerificationKey | undefined = trusted.keySet.knownKey?.(header)
    if (key === undefined) {
      try {
        key = await trusted.keySet.getKey(header)
      } catch (error) {
        throw toTokenError(error)
      }
    }
    const checked = backend(decoded, alg, key, input)
    if (checked !== undefined) await checked
    const { profile } = trusted
    const claims = payload as TokenClaims
    // The profile's audience rule, `typ`, required claims (RFC 9068 §2.2 by default) and claim shapes.
    checkProfileClaims(header, claims, profile)
    for (const name of requiredClaims) {
      if (claims[name] === undefined) throw new InvalidTokenError({ reason: 'missing_claim' })
    }
    checkClaimTypes(claims)
    if (checkTime) checkTimeClaims(claims, nowMs / 1000, timeRules)
    const context = buildAuthContext('jwt', token, claims, profile, cacheKey === '' ? undefined : cacheKey)
    if (checkTime) cache.set(cacheKey, context, nowMs)
    return { context, cached: false }
  }
  const jwsRules = { algorithms: jwt.algorithms }

  /** A token already inspected (hybrid routes): a JWS is verified, anything else is not ours. */
  function verifyInspected(token: string, inspected: InspectedToken, cacheKey = presentedFingerprint(token)) {
    if (inspected.jws === undefined) throw new InvalidTokenError({ reason: 'wrong_strategy' })
    return verifyFresh(token, cacheKey, { jws: inspected.jws })
  }

  const strategy: TokenStrategy = {
    forRoute({ introspect }) {
      // Synchronous on a hit (no promise at all), one promise on a miss.
      return (token) => {
        // A token already verified is answered from the cache before any decoding.
        const { hit, cacheKey } = peek(token)
        // Introspection asks the server of the token's own (verified) issuer.
        if (hit !== undefined)
          return introspect === undefined ? hit : introspect(token, hit.context).then(() => hit)
        const fresh = verifyInspected(token, inspect(token), cacheKey)
        return introspect === undefined
          ? fresh
          : fresh.then(async (verified) => (await introspect(token, verified.context), verified))
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
