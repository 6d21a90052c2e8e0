import type { JWSHeaderParameters } from 'jose'
import { TokenError } from '../errors.js'
import type { IssuerMetadata } from '../keys/issuer-key-sets.js'
import type { KeySet, VerificationKey } from '../keys/key-set.js'
import { decodeJws, type DecodedJws } from '../jwt/compact.js'
import { verifySignature } from '../jwt/signature.js'
import type { ResolvedOptions } from '../options.js'
import { normalizeTyp } from '../profiles/resolve.js'
import type { ResolvedProfile } from '../profiles/types.js'
import type { TokenClaims } from '../types.js'
import { explainClaimTypes, explainProfileClaims } from './claim-checks.js'
import { describeTyps, issuerFix, typFix } from './fixes.js'
import { CheckList, quote } from './report.js'
import { explainTime } from './time-checks.js'

export interface JwtExplainDeps {
  resolved: ResolvedOptions
  keySetFor: (issuer: string) => KeySet
  metadata: IssuerMetadata
}

export interface JwtFindings {
  claims: TokenClaims | undefined
  profile: ResolvedProfile | undefined
}

/**
 * Every check of the JWT strategy, in its order, without stopping at the first failure where a
 * later check can still run safely. Keys are fetched only for a trusted issuer (RFC 8725 §3.8).
 */
export async function explainJwt(token: string, list: CheckList, deps: JwtExplainDeps): Promise<JwtFindings> {
  const jwt = deps.resolved.jwt!
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
  const algOk = typeof alg === 'string' && jwt.algorithms.includes(alg)
  if (algOk) list.pass('alg', `signed with ${alg}, which jwt.algorithms allows`)
  else
    list.fail(
      'alg',
      'algorithm_not_allowed',
      `the token's alg is ${quote(alg)}; jwt.algorithms allows ${jwt.algorithms.join(', ')}`,
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
  const profile = typeof iss === 'string' ? deps.resolved.profiles.get(iss) : undefined
  if (profile !== undefined) list.pass('issuer', `iss ${quote(iss)} is trusted (profile '${profile.name}')`)
  else
    list.fail(
      'issuer',
      'unknown_issuer',
      `the token's iss is ${quote(iss)}; trusted issuers: ${deps.resolved.issuers.map((item) => JSON.stringify(item)).join(', ')}`,
      issuerFix(iss, deps.resolved.issuers),
    )

  if (profile === undefined) list.skip('typ', 'no profile applies to an untrusted issuer')
  else explainTyp(header, profile, list)

  const key = profile === undefined ? undefined : await explainKeys(header, iss as string, list, deps)
  if (profile === undefined) list.skip('keys', 'no key is fetched for an issuer that is not trusted')
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
  } else explainProfileClaims(claims, profile, jwt.requiredClaims, list)
  explainClaimTypes(claims, profile, list)
  explainTime(
    claims,
    deps.resolved.now() / 1000,
    { clockTolerance: jwt.clockTolerance, maxTokenAge: jwt.maxTokenAge },
    list,
  )
  return { claims, profile }
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

/** Metadata (when keys are discovered), the key set, and the key the header selects. */
async function explainKeys(
  header: Record<string, unknown>,
  issuer: string,
  list: CheckList,
  deps: JwtExplainDeps,
): Promise<VerificationKey | undefined> {
  const jwt = deps.resolved.jwt!
  if (jwt.secret === undefined && jwt.jwks === undefined && jwt.jwksUri === undefined) {
    try {
      const metadata = await deps.metadata.metadataFor(issuer).get()
      list.pass('metadata', `the issuer's metadata names jwks_uri ${quote(metadata.jwks_uri)}`)
    } catch (error) {
      list.fail(
        'metadata',
        'keys_unavailable',
        `the issuer's metadata could not be loaded (RFC 8414 / OpenID discovery): ${causeOf(error)}`,
        'check that the issuer URL is exact and reachable from here, or set jwt.jwksUri',
      )
      list.skip('keys', 'the key set is found through the metadata')
      return undefined
    }
  }
  const source =
    jwt.secret !== undefined
      ? 'jwt.secret'
      : jwt.jwks !== undefined
        ? 'jwt.jwks'
        : jwt.jwksUri !== undefined
          ? `jwt.jwksUri ${JSON.stringify(jwt.jwksUri)}`
          : 'the discovered jwks_uri'
  const keySet = deps.keySetFor(issuer)
  try {
    await keySet.ready()
  } catch (error) {
    list.fail(
      'keys',
      error instanceof TokenError ? error.reason : 'keys_unavailable',
      `the key set from ${source} could not be loaded: ${causeOf(error)}`,
      'check that the key set URL answers with a JWK Set from this host (keySet.timeout, proxies, TLS)',
    )
    return undefined
  }
  list.pass('keys', `the key set from ${source} is loaded`)
  try {
    const key = await keySet.getKey(header as JWSHeaderParameters)
    list.pass('kid', `a key fits kid ${quote(header.kid)} and alg ${quote(header.alg)}`)
    return key
  } catch (error) {
    if (error instanceof TokenError && error.status === 503) {
      list.fail(
        'kid',
        error.reason,
        `the key set could not be refreshed to find kid ${quote(header.kid)}: ${causeOf(error)}`,
      )
    } else if (
      !(error instanceof TokenError) &&
      !String((error as { code?: unknown })?.code).startsWith('ERR_')
    ) {
      // As in the JWT strategy: only jose's verdicts blame the token; anything else is our fault.
      list.fail('kid', 'internal_error', 'selecting the key failed unexpectedly')
    } else {
      list.fail(
        'kid',
        'unknown_key',
        `no key in the key set from ${source} fits kid ${quote(header.kid)} and alg ${quote(header.alg)}`,
        'the token was signed by a key this issuer does not publish: another tenant or environment, or a key set option (jwt.jwksUri, jwt.jwks) that points elsewhere',
      )
    }
    return undefined
  }
}

export function causeOf(error: unknown): string {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (!(current instanceof TokenError) && current.message !== '') return current.message
    current = current.cause
  }
  return error instanceof Error ? error.message : String(error)
}
