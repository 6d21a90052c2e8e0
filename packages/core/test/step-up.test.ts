import { requireStepUp } from '../src/step-up'
import { buildAuthContext } from '../src/auth-context'
import { protectedResourceMetadata } from '../src/resource-metadata'
import type { ChallengeContext, TokenError } from '../src/errors'

const NOW = 1_700_000_000
const now = () => NOW * 1000
// The challenge of the validator that accepted the token: adapters hand it to guards as data.
const API: ChallengeContext = { realm: 'api', scheme: 'Bearer', params: undefined }

function context(claims: Record<string, unknown>) {
  return buildAuthContext('jwt', 't', { sub: 'a', ...claims }, undefined)
}

function outcome(run: () => void) {
  try {
    run()
    return 'pass'
  } catch (thrown) {
    const error = thrown as TokenError
    return { status: error.status, code: error.code, header: error.headers['WWW-Authenticate'] }
  }
}

describe('requireStepUp (RFC 9470)', () => {
  const mfa = requireStepUp({ acrValues: ['urn:mfa', 'urn:hwk'], maxAge: 300, now })

  it('passes a strong and recent authentication', () => {
    expect(outcome(() => mfa(context({ acr: 'urn:hwk', auth_time: NOW - 100 }), API))).toBe('pass')
  })

  it.each([
    ['a weaker acr', { acr: 'urn:pwd', auth_time: NOW - 100 }],
    ['no acr', { auth_time: NOW - 100 }],
    ['an old authentication', { acr: 'urn:mfa', auth_time: NOW - 301 }],
    ['no auth_time', { acr: 'urn:mfa' }],
    ['auth_time as a string', { acr: 'urn:mfa', auth_time: String(NOW) }],
  ])('answers 401 insufficient_user_authentication with acr_values and max_age for %s', (_, claims) => {
    expect(outcome(() => mfa(context(claims), API))).toEqual({
      status: 401,
      code: 'insufficient_user_authentication',
      header:
        'Bearer realm="api", error="insufficient_user_authentication", error_description="A stronger or more recent authentication is required", acr_values="urn:mfa urn:hwk", max_age="300"',
    })
  })

  it('checks only what it is given', () => {
    expect(outcome(() => requireStepUp({ maxAge: 60, now })(context({ auth_time: NOW - 10 }), API))).toBe(
      'pass',
    )
    expect(outcome(() => requireStepUp({ acrValues: ['x'] })(context({ acr: 'x' }), API))).toBe('pass')
  })

  it('answers 401 without error when no token was accepted', () => {
    expect(outcome(() => mfa(undefined))).toMatchObject({ status: 401, code: undefined })
  })

  it.each([{}, { acrValues: [] }, { acrValues: [''] }, { maxAge: -1 }, { maxAge: Infinity }])(
    'refuses options %j',
    (options) => {
      expect(() => requireStepUp(options as never)).toThrow(TypeError)
    },
  )
})

describe('protectedResourceMetadata (RFC 9728)', () => {
  it('describes the resource', () => {
    expect(
      protectedResourceMetadata({
        resource: 'https://api.test',
        authorizationServers: ['https://issuer.test/'],
        scopesSupported: ['items:read'],
        dpop: { required: true },
        resourceName: 'Items',
      }),
    ).toEqual({
      resource: 'https://api.test',
      authorization_servers: ['https://issuer.test/'],
      bearer_methods_supported: ['header'],
      scopes_supported: ['items:read'],
      dpop_signing_alg_values_supported: ['ES256', 'Ed25519', 'EdDSA', 'PS256', 'RS256'],
      dpop_bound_access_tokens_required: true,
      resource_name: 'Items',
    })
  })
  it('refuses a resource that is not a URL', () => {
    expect(() => protectedResourceMetadata({ resource: 'api', authorizationServers: [] })).toThrow(TypeError)
  })
})
