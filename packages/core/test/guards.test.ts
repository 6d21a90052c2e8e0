import { requireAnyScope, requireClaims, requireRoles, requireScopes } from '../src/guards'
import { resolveOptions } from '../src/options'
import { buildAuthContext } from '../src/auth-context'
import type { ChallengeContext, TokenError } from '../src/errors'

const auth = buildAuthContext(
  'jwt',
  't',
  { sub: 'alice', scope: 'items:read items:write', tenant: 'acme' },
  undefined,
)
// The challenge of the validator that accepted the token: adapters hand it to guards as data.
const API: ChallengeContext = { realm: 'api', scheme: 'Bearer', params: undefined }

function outcome(run: () => void): { status: number; code?: string; header?: string } | 'pass' {
  try {
    run()
    return 'pass'
  } catch (thrown) {
    const error = thrown as TokenError
    return { status: error.status, code: error.code, header: error.headers['WWW-Authenticate'] }
  }
}

describe('requireScopes', () => {
  it('passes when every scope is granted', () => {
    expect(outcome(() => requireScopes('items:read', 'items:write')(auth, API))).toBe('pass')
  })
  it('answers 403 naming every required scope when one is missing', () => {
    expect(outcome(() => requireScopes('items:read', 'admin')(auth, API))).toEqual({
      status: 403,
      code: 'insufficient_scope',
      header:
        'Bearer realm="api", error="insufficient_scope", error_description="The access token lacks a required scope", scope="items:read admin"',
    })
  })
  it('answers 401 without error code when no token was accepted', () => {
    expect(outcome(() => requireScopes('items:read')(undefined))).toMatchObject({
      status: 401,
      code: undefined,
    })
  })
  it.each([[[]], [['has space']], [['quote"']], [[42]]])(
    'refuses bad arguments %j at construction',
    (scopes) => {
      expect(() => requireScopes(...(scopes as string[]))).toThrow(TypeError)
    },
  )
})

describe('requireAnyScope', () => {
  it('passes with one of them', () => {
    expect(outcome(() => requireAnyScope('admin', 'items:write')(auth, API))).toBe('pass')
  })
  it('answers 403 with all the alternatives', () => {
    expect(outcome(() => requireAnyScope('admin', 'root')(auth, API))).toMatchObject({
      status: 403,
      header: expect.stringContaining('scope="admin root"'),
    })
  })
  it('refuses an empty list', () => {
    expect(() => requireAnyScope()).toThrow(TypeError)
  })
})

describe('requireClaims', () => {
  it('passes when the check returns true', () => {
    expect(outcome(() => requireClaims((claims) => claims.tenant === 'acme')(auth, API))).toBe('pass')
  })
  it.each([false, undefined, 'yes', 1])('answers 401 invalid_token when the check returns %p', (result) => {
    expect(outcome(() => requireClaims(() => result as boolean)(auth, API))).toMatchObject({
      status: 401,
      code: 'invalid_token',
      header: expect.stringContaining('realm="api"'),
    })
  })
  it('gives the check the claims and the context', () => {
    const seen: unknown[] = []
    requireClaims((claims, context) => {
      seen.push(claims.sub, context.subject)
      return true
    })(auth, API)
    expect(seen).toEqual(['alice', 'alice'])
  })
  it('refuses a non-function', () => {
    expect(() => requireClaims('x' as never)).toThrow(TypeError)
  })
})

describe('a guard without a token', () => {
  const noToken = { realm: 'api', scheme: 'DPoP', params: { algs: 'ES256' } }
  it.each([
    ['requireScopes', () => requireScopes('items:read')],
    ['requireAnyScope', () => requireAnyScope('items:read')],
    ['requireClaims', () => requireClaims(() => true)],
  ])('%s answers under the challenge the adapter hands it', (_, make) => {
    expect(outcome(() => make()(undefined, noToken))).toEqual({
      status: 401,
      code: undefined,
      header: 'DPoP realm="api", algs="ES256"',
    })
  })
  it('answers a bare Bearer challenge when the adapter knows no validator', () => {
    expect(outcome(() => requireScopes('items:read')(undefined))).toMatchObject({ header: 'Bearer' })
  })
})

describe('requireRoles', () => {
  const keycloak = resolveOptions({
    issuer: 'https://kc.test/realms/demo',
    audience: 'items-api',
    profile: 'keycloak',
    jwt: { algorithms: ['RS256'] },
  }).profiles.get('https://kc.test/realms/demo')!
  const withRoles = buildAuthContext(
    'jwt',
    't',
    {
      realm_access: { roles: ['admin', 'Items.Read'] },
      resource_access: { 'items-api': { roles: ['reader'] } },
    },
    keycloak,
  )

  it('passes when every role is granted, from realm and client roles alike', () => {
    expect(withRoles.roles).toEqual(['admin', 'Items.Read', 'reader'])
    expect(outcome(() => requireRoles('admin', 'reader')(withRoles, API))).toBe('pass')
  })
  it('answers 403 insufficient_scope without a scope parameter (roles are not scopes)', () => {
    expect(outcome(() => requireRoles('admin', 'root')(withRoles, API))).toEqual({
      status: 403,
      code: 'insufficient_scope',
      header:
        'Bearer realm="api", error="insufficient_scope", error_description="The access token lacks a required role"',
    })
  })
  it('refuses a token without roles, and no token at all with 401', () => {
    expect(outcome(() => requireRoles('admin')(auth, API))).toMatchObject({ status: 403 })
    expect(outcome(() => requireRoles('admin')(undefined))).toMatchObject({ status: 401, code: undefined })
  })
  it.each([[[]], [['']], [['tab\there']], [[42]]])('refuses bad arguments %j at construction', (roles) => {
    expect(() => requireRoles(...(roles as string[]))).toThrow(TypeError)
  })
})
