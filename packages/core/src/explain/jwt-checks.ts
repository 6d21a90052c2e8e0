import { TokenError } from '../errors.js'
import { decodeJws, type DecodedJws } from '../jws/decode.js'
import { verifySignature } from '../jws/signature.js'
import { normalizeTyp } from '../jws/header.js'
import type { ResolvedProfile } from '../profiles/types.js'
import type { TokenClaims } from '../types.js'
import { explainClaimTypes, explainProfileClaims } from './claim-checks.js'
import { causeOf, explainKeys } from './key-checks.js'
import { describeTyps, issuerFix, typFix } from './fixes.js'
import { CheckList, quote } from './report.js'
import { explainTime } from './time-checks.js'
import type { ExplainDeps, TrustedIssuer } from './wiring.js'

export interface JwtFindings {
  claims: TokenClaims | undefined
  profile: ResolvedProfile | undefined
}

/**
 * Every check of the JWT strategy, in its order, without stopping at the first failure where a
 * later check can still run safely. Keys are fetched only for a trusted issuer (RFC 8725 §3.8).
 */
export async function explainJwt(token: string, list: CheckList, deps: ExplainDeps): Promise<JwtFindings> {
  const algorithms = deps.resolved.jwt!.algorithms
  let decoded: DecodedJws
  try {
    decoded = decodeJws(token)
  } catch (error) {
    const reason = error instanceof TokenError ? error.reason : 'malformed_token'
    list.fail(
      'token',
      reason,
      'the token is not a well-formed JWS (RFC 7515 §7.1: three canonical base64url parts of JSON objects)',
    )
    return { claims: undefined, profile: undefined }
  }
  const { header, payload } = decoded
  const claims = payload as TokenClaims

  const alg = header.alg
  let algOk = typeof alg === 'string' && algorithms.includes(alg)
  if (algOk) list.pass('alg', `signed with ${String(alg)}, which jwt.algorithms allows`)
  else
    list.fail(
      'alg',
      'algorithm_not_allowed',
      `the token's alg is ${quote(alg)}; jwt.algorithms allows ${algorithms.join(', ')}`,
      algFix(alg),
    )

  const headerOk = header.crit === undefined && header.b64 === undefined
  if (headerOk) list.pass('header', 'no crit or b64 header parameter')
  else
    list.fail(
      'header',
      'malformed_token',
      'the header carries crit or b64 (RFC 7515 §4.1.11, RFC 7797): no extension is understood, so the token is refused',
      'the issuer must not send crit or b64 in access tokens',
    )

  const iss = claims.iss
  const trusted = await explainIssuer(iss, list, deps)
  const profile = trusted?.profile
  // An issuer's own algorithm list (an issuer resolver's config) may only narrow jwt.algorithms.
  if (trusted !== undefined && algOk && !trusted.algorithms.includes(alg as string)) {
    algOk = false
    list.fail(
      'alg',
      'algorithm_not_allowed',
      `this issuer's tokens may use ${trusted.algorithms.join(', ')}; the token's alg is ${quote(alg)}`,
      "if the issuer really signs with it, add it to the issuer's algorithms",
    )
  }

  if (profile === undefined) list.skip('typ', 'no profile applies to an untrusted issuer')
  else explainTyp(header, profile, list)

  const key =
    trusted === undefined ? undefined : await explainKeys(header, iss as string, trusted, list, deps)
  if (trusted === undefined) list.skip('keys', 'no key is fetched for an issuer that is not trusted')
  if (key === undefined || !algOk || !headerOk) {
    list.skip('signature', 'the signature cannot be checked without an allowed algorithm and a key')
  } else {
    try {
      verifySignature(alg as string, key, decoded.signingInput, decoded.signature)
      list.pass('signature', "the signature verifies with the issuer's key")
    } catch (error) {
      list.fail(
        'signature',
        error instanceof TokenError ? error.reason : 'bad_signature',
        'the signature does not verify with the key the header selects',
        'the token was altered, or signed by a key other than the one this key set publishes under that kid',
      )
    }
  }

  if (profile === undefined) {
    for (const check of ['aud', 'required_claims', 'claim_values'] as const)
      list.skip(check, "the audience and claim rules come from the issuer's profile")
  } else explainProfileClaims(claims, profile, deps.time.requiredClaims, list)
  explainClaimTypes(claims, profile, list)
  const { clockToleranceSeconds, maxTokenAgeSeconds } = deps.time
  explainTime(
    claims,
    deps.resolved.now() / 1000,
    { clockTolerance: clockToleranceSeconds, maxTokenAge: maxTokenAgeSeconds },
    list,
  )
  return { claims, profile }
}

/** The strategy's issuer seam (RFC 8725 §3.8: the unverified `iss` only selects a trusted issuer). */
async function explainIssuer(
  iss: unknown,
  list: CheckList,
  deps: ExplainDeps,
): Promise<TrustedIssuer | undefined> {
  const trustedList = deps.resolved.issuers
  const listed = trustedList.map((item) => JSON.stringify(item)).join(', ')
  let trusted: TrustedIssuer | undefined
  try {
    trusted = typeof iss === 'string' ? await deps.resolveIssuer!(iss) : undefined
  } catch (error) {
    const reason = error instanceof TokenError ? error.reason : 'internal_error'
    list.fail('issuer', reason, `deciding whether ${quote(iss)} is trusted failed: ${causeOf(error)}`)
    return undefined
  }
  if (trusted !== undefined) {
    list.pass('issuer', `iss ${quote(iss)} is trusted (profile '${trusted.profile.name}')`)
    return trusted
  }
  list.fail(
    'issuer',
    'unknown_issuer',
    `the token's iss is ${quote(iss)}; ${listed === '' ? 'the issuer resolver does not trust it' : `trusted issuers: ${listed}`}`,
    issuerFix(iss, trustedList),
  )
  return undefined
}

function algFix(alg: unknown): string {
  if (alg === 'none') return 'an unsigned token (alg none) is never accepted'
  if (typeof alg === 'string' && alg.startsWith('HS'))
    return `a symmetric ${alg} token needs jwt.secret and '${alg}' in jwt.algorithms; an issuer with a public key set signs asymmetrically`
  return `if the issuer really signs with it, add ${quote(alg)} to jwt.algorithms`
}

function explainTyp(header: Record<string, unknown>, profile: ResolvedProfile, list: CheckList): void {
  const typ = header.typ
  if (profile.typ === false) return list.pass('typ', 'any typ is accepted (jwt.typ: false)')
  if ((typ !== undefined && typeof typ !== 'string') || !profile.typ.has(normalizeTyp(typ)))
    return list.fail(
      'typ',
      'wrong_type',
      `the token's typ is ${quote(typ)}; this issuer's tokens must have ${describeTyps(profile)}`,
      typFix(typ, profile),
    )
  list.pass(
    'typ',
    `typ ${typ === undefined ? 'absent' : JSON.stringify(typ)} is what profile '${profile.name}' expects`,
  )
}
