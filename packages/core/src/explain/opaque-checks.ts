import { TokenError } from '../errors.js'
import type { TokenEvent } from '../events.js'
import type { ResolvedOptions } from '../options.js'
import { CheckList, asDate, quote } from './report.js'
import { causeOf } from './key-checks.js'
import type { IntrospectionTarget } from './introspection-target.js'
import type { ExplainDeps } from './wiring.js'

const REFRESH_TOKEN_TYPES = new Set(['refresh_token', 'urn:ietf:params:oauth:token-type:refresh_token'])

/**
 * Asks the introspection endpoint about the token (RFC 7662), with a client of its own that caches
 * nothing, and checks the answer as introspection/opaque-strategy.ts does, one rule at a time.
 */
export async function explainIntrospection(
  token: string,
  list: CheckList,
  deps: ExplainDeps,
  issuer: string | undefined,
): Promise<{ response: Record<string, unknown>; target: IntrospectionTarget } | undefined> {
  const target = await deps.introspectionTarget!(issuer)
  if (!('client' in target)) {
    list.fail('issuer', target.reason, target.detail, target.fix)
    return undefined
  }
  const failures: string[] = []
  const client = target.client((event: TokenEvent) => {
    if (event.type === 'introspection' && event.error !== undefined) failures.push(event.error)
  })
  const endpoint = target.endpoint
  const where =
    endpoint === undefined ? "the issuer's discovered introspection_endpoint" : JSON.stringify(endpoint)
  let response: Record<string, unknown>
  try {
    response = await client.introspect(token)
  } catch (error) {
    const reason = error instanceof TokenError ? error.reason : 'introspection_unavailable'
    const what = failures[0] ?? causeOf(error)
    list.fail(
      'introspection',
      reason,
      `introspection at ${where} failed: ${what}`,
      introspectionFix(reason, what),
    )
    return undefined
  }
  list.pass('introspection', `${where} answered`)
  if (response.active !== true) {
    list.fail(
      'active',
      'inactive',
      `the authorization server says the token is not active (active: ${quote(response.active)}): expired, revoked, or not one it issued`,
      'get a fresh token from the authorization server this validator asks',
    )
    return undefined
  }
  list.pass('active', 'the authorization server says the token is active')
  explainAnswer(response, list, deps.resolved, target, deps.time.clockToleranceSeconds)
  return { response, target }
}

function introspectionFix(reason: string, what: string): string {
  if (reason === 'introspection_unauthorized')
    return 'the endpoint refused our client credentials (401): check introspection.clientId, introspection.clientSecret and introspection.clientAuth (client_secret_basic or client_secret_post)'
  if (what === 'timeout')
    return 'no answer in time: check the endpoint is reachable from here, or raise introspection.timeout'
  if (what.startsWith('endpoint discovery'))
    return "the issuer's metadata names no introspection_endpoint: set introspection.endpoint"
  return 'check introspection.endpoint answers RFC 7662 requests from this host'
}

/** The rules of checkIntrospectionResponse, in its order. */
function explainAnswer(
  response: Record<string, unknown>,
  list: CheckList,
  resolved: ResolvedOptions,
  target: IntrospectionTarget,
  tolerance: number,
): void {
  const options = resolved.introspection!
  const { exp, nbf, iss, aud, token_type: tokenType } = response
  const badType =
    [exp, nbf].some((value) => value !== undefined && asDate(value)?.startsWith('not') === true) ||
    [iss, response.sub, response.client_id, tokenType].some(
      (value) => value !== undefined && typeof value !== 'string',
    ) ||
    [aud, response.scope].some((value) => value !== undefined && !isStrings(value))
  if (badType)
    list.fail(
      'claim_types',
      'invalid_claim',
      'a member of the answer has the wrong type (RFC 7662 §2.2)',
      'the authorization server must answer with registered member types',
    )
  else list.pass('claim_types', 'every member read has its registered type')

  const nowSeconds = resolved.now() / 1000
  if (typeof exp === 'number' && nowSeconds - tolerance >= exp)
    list.fail(
      'exp',
      'expired',
      `the answer says exp ${asDate(exp)}, which is past (the clock tolerance is ${tolerance} s)`,
      'get a fresh token',
    )
  else if (typeof exp === 'number') list.pass('exp', `valid until ${asDate(exp)}`)
  if (typeof nbf === 'number' && nowSeconds + tolerance < nbf)
    list.fail(
      'nbf',
      'not_yet_valid',
      `the answer says nbf ${asDate(nbf)}, in the future`,
      'check the clocks of this host and the issuer',
    )
  if (typeof iss === 'string' && !target.issuers.includes(iss))
    list.fail(
      'issuer',
      'unknown_issuer',
      target.issuer === undefined
        ? `the answer's iss is ${quote(iss)}; trusted issuers: ${target.issuers.map((item) => JSON.stringify(item)).join(', ')}`
        : `the answer's iss is ${quote(iss)}, not the issuer asked (${JSON.stringify(target.issuer)})`,
      target.issuer === undefined
        ? `if you trust it, add ${JSON.stringify(iss)} to the issuer option`
        : "the issuer's introspection endpoint answers for another issuer: check its introspection.endpoint",
    )
  else list.pass('issuer', iss === undefined ? 'the answer names no iss' : `iss ${quote(iss)} is trusted`)
  const listed = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []
  if (aud === undefined && options.requireAudience)
    list.fail(
      'aud',
      'wrong_audience',
      'the answer has no aud and introspection.requireAudience is set',
      'the authorization server must name the audience, or leave introspection.requireAudience unset',
    )
  else if (aud !== undefined && !listed.some((item) => target.audiences.includes(item as string)))
    list.fail(
      'aud',
      'wrong_audience',
      `the answer's aud is ${quote(aud)}; this validator accepts ${target.audiences.map((item) => JSON.stringify(item)).join(', ')}`,
      'if this API is the intended audience, set audience to one of those values',
    )
  else
    list.pass(
      'aud',
      aud === undefined
        ? 'the answer names no aud (introspection.requireAudience is off)'
        : `aud ${quote(aud)} names this API`,
    )
  if (typeof tokenType === 'string' && REFRESH_TOKEN_TYPES.has(tokenType.toLowerCase()))
    list.fail(
      'token_type',
      'refresh_token',
      'the token is a refresh token, never a credential for a resource',
      'send the access token, not the refresh token',
    )
}

function isStrings(value: unknown): boolean {
  return (
    typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'))
  )
}
