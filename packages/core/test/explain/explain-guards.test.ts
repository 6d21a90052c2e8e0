import { createValidator, type ExplainOptions, type ValidatorOptions } from '../../src/index'
import { TokenError } from '../../src/errors'
import { requireAnyScope, requireClaims, requireRoles, requireScopes, type Guard } from '../../src/guards'
import { requireStepUp } from '../../src/step-up'
import { AUDIENCE, NOW, accessToken, signingKey, type SigningKey } from '../helpers/tokens'

// explain beyond the token: the route's guards run on the auth context the token would get, and
// the report agrees with what the guard itself decides (its reason, its status), naming the claim
// that decides. A bound token's report says what a request must add, and that explain cannot see it.

let rsa: SigningKey
const REALM = 'https://keycloak.test/realms/demo'
const clock = NOW * 1000

beforeAll(async () => {
  rsa = await signingKey('RS256')
})

function validator(overrides: Partial<ValidatorOptions> = {}) {
  return createValidator({
    issuer: { url: REALM, profile: 'keycloak' },
    audience: AUDIENCE,
    now: () => clock,
    jwt: { algorithms: ['RS256'], jwks: { keys: [rsa.publicJwk] } },
    ...overrides,
  })
}

/** A Keycloak-shaped token: scopes in `scope`, roles in `realm_access.roles`. */
const keycloakToken = (claims: Record<string, unknown> = {}) =>
  accessToken(
    rsa,
    { iss: REALM, typ: 'Bearer', scope: 'items:read', realm_access: { roles: ['reader'] }, ...claims },
    { typ: 'JWT' },
  )

/** What the real guard answers for the token's context. */
async function guardVerdict(token: string, guard: Guard) {
  const auth = await validator().verify(token)
  try {
    guard(auth)
    return undefined
  } catch (error) {
    return { reason: (error as TokenError).reason, status: (error as TokenError).status }
  }
}

type Case = [
  name: string,
  options: ExplainOptions,
  guard: () => Guard,
  check: string,
  claims: Record<string, unknown>,
  reason: string,
  status: number,
  detail: RegExp,
  fix: RegExp,
]

const CASES: Case[] = [
  [
    'a missing scope',
    { scopes: ['items:read', 'items:write'] },
    () => requireScopes('items:read', 'items:write'),
    'scopes',
    {},
    'insufficient_scope',
    403,
    /grants \["items:read"\] \(read from scope\); the route needs every one of .*missing \["items:write"\]/,
    /ask the authorization server for \["items:write"\].*scopeClaims/,
  ],
  [
    'none of the accepted scopes',
    { anyScope: ['items:write', 'items:admin'] },
    () => requireAnyScope('items:write', 'items:admin'),
    'any_scope',
    {},
    'insufficient_scope',
    403,
    /needs one of \["items:write", "items:admin"\]/,
    /one of/,
  ],
  [
    'a missing role',
    { roles: ['items-admin'] },
    () => requireRoles('items-admin'),
    'roles',
    {},
    'insufficient_role',
    403,
    /grants \["reader"\] \(read from realm_access\.roles, resource_access\..*\); the route needs \["items-admin"\]/,
    /assign the role.*roleClaims/,
  ],
  [
    'a claims check that says no',
    { claims: (claims) => claims.tenant === 'acme' },
    () => requireClaims((claims) => claims.tenant === 'acme'),
    'claims_check',
    { tenant: 'globex' },
    'claims_check_failed',
    401,
    /requireClaims check does not return true/,
    /claims summary/,
  ],
  [
    'a login too weak',
    { stepUp: { acrValues: ['mfa'] } },
    () => requireStepUp({ acrValues: ['mfa'], now: () => clock }),
    'step_up',
    { acr: 'pwd' },
    'insufficient_authentication',
    401,
    /acr "pwd".*needs acr one of \["mfa"\] \(RFC 9470\)/,
    /sign in again/,
  ],
  [
    'a login too old',
    { stepUp: { maxAge: 300 } },
    () => requireStepUp({ maxAge: 300, now: () => clock }),
    'step_up',
    { auth_time: NOW - 3600 },
    'insufficient_authentication',
    401,
    /auth_time 2023-.*at most 300 s old/,
    /max_age/,
  ],
]

describe('explain: route guards', () => {
  it.each(CASES)('%s: the guard check fails as the guard does', async (...testCase) => {
    const [, options, guard, check, claims, reason, status, detail, fix] = testCase
    const token = await keycloakToken(claims)
    expect(await guardVerdict(token, guard())).toEqual({ reason, status })
    const report = await validator().explain(token, options)
    expect({ ok: report.ok, reason: report.reason, status: report.status }).toEqual({
      ok: false,
      reason,
      status,
    })
    const failed = report.checks.find((item) => !item.ok)!
    expect(failed.check).toBe(check)
    expect(failed.detail).toMatch(detail)
    expect(failed.fix).toMatch(fix)
    expect(JSON.stringify(report)).not.toContain(token.split('.')[2])
  })

  it('every guard that passes is reported, in order, after the token checks', async () => {
    const token = await keycloakToken({ acr: 'mfa', auth_time: NOW - 10, tenant: 'acme' })
    const report = await validator().explain(token, {
      scopes: ['items:read'],
      anyScope: ['items:read', 'items:write'],
      roles: ['reader'],
      claims: (claims) => claims.tenant === 'acme',
      stepUp: { acrValues: ['mfa'], maxAge: 60 },
    })
    expect(report.ok).toBe(true)
    const tail = report.checks.slice(-5)
    expect(tail.map((item) => [item.check, item.ok])).toEqual([
      ['scopes', true],
      ['any_scope', true],
      ['roles', true],
      ['claims_check', true],
      ['step_up', true],
    ])
    expect(tail[2]!.detail).toMatch(/grants \["reader"\]/)
  })

  it('a token refused before the guards runs none of them', async () => {
    const token = await keycloakToken({ exp: NOW - 60 })
    const report = await validator().explain(token, { scopes: ['items:write'] })
    expect(report.reason).toBe('expired')
    expect(report.checks.some((item) => item.check === 'scopes')).toBe(false)
  })

  it.each<[string, ExplainOptions, RegExp]>([
    ['an invalid scope', { scopes: ['has space'] }, /not a valid scope/],
    ['no scope', { scopes: [] }, /at least one scope/],
    ['scopes that are not a list', { scopes: 'items:read' as never }, /`scopes` must be a list/],
    ['a step-up without acrValues or maxAge', { stepUp: {} }, /acrValues/],
    ['an issuer that is not a string', { issuer: 7 as never }, /`issuer` must be/],
  ])('rejects %s with the TypeError the guard gives', async (_name, options, message) => {
    const token = await keycloakToken()
    await expect(validator().explain(token, options)).rejects.toThrow(message)
  })
})

describe('explain: sender-constrained tokens', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a DPoP-bound token',
      { jkt: 'x'.repeat(43) },
      /DPoP scheme .* a DPoP proof signed by the bound key \(RFC 9449\)/,
    ],
    [
      'an mTLS-bound token',
      { 'x5t#S256': 'y'.repeat(43) },
      /client certificate it is bound to, over mutual TLS \(RFC 8705\)/,
    ],
  ])('%s: says what each request must carry, and that explain cannot check it', async (_name, cnf, needs) => {
    const token = await keycloakToken({ cnf })
    const report = await validator({ dpop: { origin: 'https://api.test' } }).explain(token)
    const binding = report.checks.find((item) => item.check === 'binding')!
    expect(binding.ok).toBe(true)
    expect(binding.detail).toMatch(needs)
    expect(binding.detail).toMatch(/explain sees no request, so it cannot check this/)
  })
})
