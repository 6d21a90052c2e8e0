import { buildAuthContext } from '../auth-context.js'
import { readBinding } from '../binding-claim.js'
import { TokenError, type RejectReason } from '../errors.js'
import { checkTokenSyntax } from '../extract.js'
import { classifyToken } from '../jws/decode.js'
import type { ResolvedOptions } from '../options.js'
import { readClientId } from '../profiles/claims.js'
import type { AuthContext, TokenClaims } from '../types.js'
import { explainJwt } from './jwt-checks.js'
import { explainIntrospection } from './opaque-checks.js'
import type { ExplainDeps, ExplainRoute } from './wiring.js'
import { CheckList, asDate, summaryValue, type ClaimsSummary, type ExplainReport } from './report.js'

const STATUS: Partial<Record<RejectReason, 400 | 503>> = {
  malformed_request: 400,
  keys_unavailable: 503,
  issuer_unavailable: 503,
  issuer_limit: 503,
  introspection_unavailable: 503,
  introspection_unauthorized: 503,
  denylist_unavailable: 503,
  internal_error: 503,
}

/**
 * Why a token would be accepted or refused on `route`, check by check, in plain words. A
 * diagnostic beside the hot path: it caches nothing, records nothing, emits no `accepted` or
 * `rejected` event, and never puts the token or its signature in the report.
 */
export async function explainToken(token: string, deps: ExplainDeps): Promise<ExplainReport> {
  const list = new CheckList()
  const { resolved, route } = deps
  const strategy = tokenStrategy(token, route, list, resolved)
  let claims: TokenClaims | undefined
  let context: AuthContext | undefined
  try {
    if (strategy === 'jwt') {
      const found = await explainJwt(token, list, deps)
      claims = found.claims
      if (list.failed === undefined && found.profile !== undefined)
        context = explainBinding('jwt', token, claims!, found.profile, list, resolved)
      if (list.failed === undefined && route.introspectJwt) await explainIntrospection(token, list, deps)
    } else if (strategy === 'opaque') {
      const response = await explainIntrospection(token, list, deps)
      claims = response
      if (list.failed === undefined && response !== undefined)
        context = explainBinding(
          'opaque',
          token,
          claims!,
          resolved.profiles.get(claims!.iss as string) ?? resolved.profiles.get(resolved.issuers[0]!)!,
          list,
          resolved,
        )
    }
    if (context !== undefined && route.sensitive) await explainDenylist(context, list, deps)
  } catch (error) {
    // A fault of our own shows as what the validator would answer: 503 internal_error.
    list.fail(
      'token',
      'internal_error',
      `the check failed unexpectedly: ${error instanceof Error ? error.name : 'error'}`,
    )
  }
  const failed = list.failed
  const report: ExplainReport = { ok: failed === undefined, strategy, checks: list.checks }
  if (failed !== undefined) {
    report.reason = failed.reason
    report.status = STATUS[failed.reason!] ?? 401
  }
  if (claims !== undefined) report.claims = summarise(claims, resolved)
  return report
}

function tokenStrategy(
  token: string,
  route: ExplainRoute,
  list: CheckList,
  resolved: ResolvedOptions,
): 'jwt' | 'opaque' | undefined {
  if (token.length > resolved.maxTokenLength) {
    list.fail(
      'token',
      'token_too_large',
      `the token is ${token.length} characters; maxTokenLength is ${resolved.maxTokenLength}`,
      'raise maxTokenLength if the issuer really sends tokens this large',
    )
    return undefined
  }
  try {
    checkTokenSyntax(token)
  } catch {
    list.fail(
      'token',
      'malformed_request',
      'the token is not RFC 6750 §2.1 b64token syntax (letters, digits, -._~+/ and trailing =)',
      'send the access token itself, without quotes, spaces or a second "Bearer"',
    )
    return undefined
  }
  const shape = classifyToken(token)
  if (shape === 'jwe') {
    list.fail(
      'token',
      'encrypted_token',
      'the token is an encrypted JWT (JWE, five parts); only signed JWTs are validated',
      'ask the authorization server for signed (not encrypted) access tokens for this API',
    )
    return undefined
  }
  list.pass(
    'token',
    shape === 'jws' ? 'a signed JWT (JWS compact serialisation)' : 'an opaque token (not a JWT)',
  )
  const jwt = route.strategy === 'jwt' || (route.strategy === 'hybrid' && shape === 'jws')
  if (jwt && shape !== 'jws') {
    list.fail(
      'strategy',
      'wrong_strategy',
      `this route validates JWTs only (strategy '${route.strategy}') and the token is opaque`,
      'set the introspection option (RFC 7662) so opaque tokens are introspected, with strategy hybrid or opaque',
    )
    return undefined
  }
  if (!jwt && shape === 'jws') {
    list.fail(
      'strategy',
      'wrong_strategy',
      "this route introspects opaque tokens only (strategy 'opaque') and the token is a JWT",
      "set the jwt option and strategy 'jwt' or 'hybrid'",
    )
    return undefined
  }
  list.pass(
    'strategy',
    jwt
      ? `validated locally as a JWT (strategy '${route.strategy}')`
      : `sent to introspection (strategy '${route.strategy}')`,
  )
  return jwt ? 'jwt' : 'opaque'
}

/** `cnf` (RFC 7800): what a request must carry besides the token; the request itself is not seen. */
function explainBinding(
  strategy: 'jwt' | 'opaque',
  token: string,
  claims: TokenClaims,
  profile: Parameters<typeof buildAuthContext>[3],
  list: CheckList,
  resolved: ResolvedOptions,
): AuthContext | undefined {
  let binding
  try {
    binding = readBinding(claims)
  } catch (error) {
    const reason = error instanceof TokenError ? error.reason : 'invalid_claim'
    list.fail(
      'binding',
      reason,
      'the cnf claim is not one this validator enforces (RFC 7800: jkt or x5t#S256, non-empty strings)',
      'the issuer must bind tokens by DPoP (jkt) or mTLS (x5t#S256), or not at all',
    )
    return undefined
  }
  if (binding?.jkt !== undefined && resolved.dpop === undefined)
    list.fail(
      'binding',
      'binding_mismatch',
      'the token is DPoP-bound (cnf.jkt) and this validator has no dpop option, so it refuses it',
      'set the dpop option and send the token with the DPoP scheme and a proof (RFC 9449)',
    )
  else if (binding === undefined && resolved.dpop?.required)
    list.fail(
      'binding',
      'dpop_required',
      'dpop.required is set and the token is not DPoP-bound',
      'ask for a DPoP-bound token (RFC 9449), or unset dpop.required',
    )
  else if (binding !== undefined)
    list.pass(
      'binding',
      `the token is bound (${[binding.jkt && 'DPoP cnf.jkt', binding.x5tS256 && 'mTLS cnf.x5t#S256'].filter(Boolean).join(' and ')}): each request must also carry ${binding.jkt ? 'a DPoP proof by that key' : 'the client certificate'} (not checked here)`,
    )
  else list.pass('binding', 'a bearer token (no cnf)')
  return list.failed === undefined ? buildAuthContext(strategy, token, claims, profile) : undefined
}

async function explainDenylist(context: AuthContext, list: CheckList, deps: ExplainDeps): Promise<void> {
  try {
    await deps.checkDenylist(context)
    list.pass('denylist', 'not revoked (jti, fingerprint or subject)')
  } catch (error) {
    const reason = error instanceof TokenError ? error.reason : 'denylist_unavailable'
    if (reason === 'revoked')
      list.fail(
        'denylist',
        reason,
        'the token is revoked: by its fingerprint, its jti, or every token of its subject issued before a time',
        'get a new token (a revocation is never undone by an option)',
      )
    else
      list.fail(
        'denylist',
        reason,
        'the denylist cannot be read from the store right now',
        'check the store (Redis) is reachable; denylist.maxStaleness and denylist.fallbackToStore decide how long a stale mirror is trusted',
      )
  }
}

function summarise(claims: TokenClaims, resolved: ResolvedOptions): ClaimsSummary {
  const profile = typeof claims.iss === 'string' ? resolved.profiles.get(claims.iss) : undefined
  const client = profile === undefined ? claims.client_id : readClientId(claims, profile)
  const summary: ClaimsSummary = {
    iss: summaryValue(claims.iss),
    aud: summaryValue(claims.aud),
    client: typeof client === 'string' ? String(summaryValue(client)) : undefined,
    exp: asDate(claims.exp),
    iat: asDate(claims.iat),
    nbf: asDate(claims.nbf),
  }
  for (const key of Object.keys(summary) as (keyof ClaimsSummary)[])
    if (summary[key] === undefined) delete summary[key]
  return summary
}
