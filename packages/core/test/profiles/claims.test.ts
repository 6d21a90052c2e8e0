import { checkProfileClaims, readClientId, readRoles, readScopes } from '../../src/profiles/claims'
import { resolveOptions } from '../../src/options'
import type { TokenError } from '../../src/errors'

const profile = (name: string, issuer: string, audience: string | string[] = 'https://api.test') =>
  resolveOptions({ issuer, audience, profile: name as never, jwt: { algorithms: ['RS256'] } }).profiles.get(
    issuer,
  )!

const keycloak = profile('keycloak', 'https://kc.test/realms/demo', ['items-api', 'billing-api'])
const zitadel = profile('zitadel', 'https://z.test', '1234')
const rfc9068 = profile('rfc9068', 'https://issuer.test/')
const cognito = profile('cognito', 'https://cognito.test/pool', 'app-client')

function reason(run: () => unknown): string {
  try {
    run()
    return 'accepted'
  } catch (error) {
    return (error as TokenError).reason
  }
}

describe('readRoles', () => {
  it('reads realm roles and the client roles of each audience, never of another client', () => {
    const claims = {
      realm_access: { roles: ['admin'] },
      resource_access: {
        'items-api': { roles: ['reader'] },
        'billing-api': { roles: ['payer'] },
        other: { roles: ['root'] },
      },
    }
    expect(readRoles(claims, keycloak)).toEqual(['admin', 'reader', 'payer'])
  })

  it('reads object keys (ZITADEL) for all projects and for this project only', () => {
    const claims = {
      'urn:zitadel:iam:org:project:roles': { viewer: { org: 'acme' } },
      'urn:zitadel:iam:org:project:1234:roles': { editor: { org: 'acme' } },
      'urn:zitadel:iam:org:project:9999:roles': { root: { org: 'acme' } },
    }
    expect(readRoles(claims, zitadel)).toEqual(['viewer', 'editor'])
  })

  it('never walks into the prototype: constructor, __proto__, toString are not roles', () => {
    const evil = profile('keycloak', 'https://kc.test/realms/x', ['constructor', '__proto__'])
    expect(readRoles(JSON.parse('{"resource_access":{}}'), evil)).toEqual([])
    expect(readRoles(JSON.parse('{"resource_access":{"__proto__":{"roles":["a"]}}}'), evil)).toEqual(['a'])
    expect(readRoles({ realm_access: 'x' }, keycloak)).toEqual([])
  })

  it.each([
    [{ realm_access: { roles: [1] } }],
    [{ realm_access: { roles: 7 } }],
    [{ realm_access: { roles: null } }],
    [{ resource_access: { 'items-api': { roles: [['reader']] } } }],
  ])(
    'refuses a role claim of the wrong shape when checking (%j), and skips it when only reading',
    (claims) => {
      expect(() => readRoles(claims, keycloak, true)).toThrow()
      expect(readRoles(claims, keycloak)).toEqual([])
    },
  )
})

describe('readScopes and readClientId', () => {
  it('unions every scope claim the profile names, without repeats', () => {
    const auth0 = profile('auth0', 'https://t.auth0.test/')
    expect(readScopes({ scope: 'openid read:x', permissions: ['read:x', 'write:x'] }, auth0)).toEqual([
      'openid',
      'read:x',
      'write:x',
    ])
    expect(readScopes({ scp: ['a', 'b'] }, profile('okta', 'https://o.test/oauth2/default'))).toEqual([
      'a',
      'b',
    ])
    expect(() => readScopes({ permissions: { a: true } }, auth0, true)).toThrow()
  })

  it('takes the first client claim present', () => {
    const okta = profile('okta', 'https://o.test/oauth2/default')
    expect(readClientId({ cid: 'c', client_id: 'x' }, okta)).toBe('c')
    expect(readClientId({ client_id: 'x' }, okta)).toBe('x')
    expect(readClientId({ azp: 1, appid: 'legacy' }, profile('entra', 'https://issuer.test/'))).toBe('legacy')
    expect(readClientId({}, rfc9068)).toBeUndefined()
  })
})

describe('checkProfileClaims', () => {
  const good = { aud: 'https://api.test', sub: 'a', client_id: 'c', iat: 1, jti: 'j' }
  it.each([
    ['a complete RFC 9068 token', { typ: 'at+jwt' }, good, rfc9068, 'accepted'],
    ['typ missing where at+jwt is required', {}, good, rfc9068, 'wrong_type'],
    ['typ a list', { typ: ['at+jwt'] }, good, rfc9068, 'wrong_type'],
    ['jti missing', { typ: 'at+jwt' }, { ...good, jti: undefined }, rfc9068, 'missing_claim'],
    ['aud missing', { typ: 'at+jwt' }, { ...good, aud: undefined }, rfc9068, 'missing_claim'],
    ['aud of another API', { typ: 'at+jwt' }, { ...good, aud: ['x'] }, rfc9068, 'wrong_audience'],
    ['client_id a number', { typ: 'at+jwt' }, { ...good, client_id: 5 }, rfc9068, 'invalid_claim'],
    [
      'Cognito: no typ, client_id is the audience',
      {},
      { ...good, client_id: 'app-client', token_use: 'access' },
      cognito,
      'accepted',
    ],
    [
      'Cognito: typ present but a number',
      { typ: 1 },
      { ...good, client_id: 'app-client', token_use: 'access' },
      cognito,
      'wrong_type',
    ],
    [
      'Cognito: an aud naming us does not replace client_id',
      {},
      { ...good, aud: 'app-client', token_use: 'access' },
      cognito,
      'wrong_audience',
    ],
    [
      'Cognito: an ID token',
      {},
      { ...good, client_id: 'app-client', token_use: 'id' },
      cognito,
      'invalid_claim',
    ],
    [
      'Keycloak: a refresh token',
      { typ: 'JWT' },
      { ...good, aud: 'items-api', typ: 'Refresh' },
      keycloak,
      'invalid_claim',
    ],
  ])('%s → %s', (_name, header, claims, p, expected) => {
    expect(reason(() => checkProfileClaims(header, claims as never, p))).toBe(expected)
  })
})
