import { b64, nowSeconds, rsaKey, signature, type TestKey } from './forge'

/**
 * Access tokens in the header and claim shape each provider documents (see
 * packages/core/docs/profiles/<name>.md for the sources), signed with test keys. `payload(now)`
 * returns the claims exactly as that provider sends them; tests change one claim at a time.
 */
export interface ProviderFixture {
  name: string
  /** The profile to configure (and the docs page). */
  profile: 'auth0' | 'okta' | 'entra' | 'keycloak' | 'cognito' | 'hydra' | 'zitadel'
  issuer: string
  /** The audience this API is configured with for that issuer. */
  audience: string
  key: TestKey
  header: Record<string, unknown>
  payload: (now: number) => Record<string, unknown>
  /** What the auth context must say. */
  expected: { subject: string; clientId: string; scopes: string[]; roles: string[] }
  /** The token also meets RFC 9068 (Auth0's RFC 9068 token profile): the default profile accepts it too. */
  rfc9068?: true
  /** A claim whose absence the profile refuses (it is what the provider always sends). */
  requiredClaim: string
  /** How the provider's other tokens (ID tokens, refresh tokens, other tenants) differ: each must be refused. */
  lookalikes: Array<[name: string, change: (payload: Record<string, unknown>) => void]>
}

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const ENTRA_APP = '6e74172b-be56-4843-9ff4-e66a39bb12e3'
const ENTRA_CLIENT = 'b1d2c3e4-1111-4222-8333-944455556666'

export const PROVIDERS: ProviderFixture[] = [
  {
    name: 'Auth0 (Auth0 token profile, RBAC permissions)',
    profile: 'auth0',
    issuer: 'https://example-tenant.us.auth0.test/',
    audience: 'https://health.example.test/api',
    key: rsaKey('auth0-key'),
    header: { alg: 'RS256', typ: 'JWT' },
    payload: (now) => ({
      iss: 'https://example-tenant.us.auth0.test/',
      sub: 'auth0|123456',
      aud: ['https://health.example.test/api', 'https://example-tenant.us.auth0.test/userinfo'],
      azp: 'my_client_id',
      exp: now + 600,
      iat: now,
      scope: 'openid profile read:patients',
      permissions: ['read:patients', 'write:patients'],
    }),
    expected: {
      subject: 'auth0|123456',
      clientId: 'my_client_id',
      scopes: ['openid', 'profile', 'read:patients', 'write:patients'],
      roles: [],
    },
    requiredClaim: 'sub',
    lookalikes: [
      [
        'token for the userinfo audience only',
        (p) => (p.aud = 'https://example-tenant.us.auth0.test/userinfo'),
      ],
    ],
  },
  {
    name: 'Auth0 (RFC 9068 token profile)',
    profile: 'auth0',
    issuer: 'https://example-tenant.us.auth0.test/',
    audience: 'https://health.example.test/api',
    key: rsaKey('auth0-9068-key'),
    header: { alg: 'RS256', typ: 'at+jwt' },
    payload: (now) => ({
      iss: 'https://example-tenant.us.auth0.test/',
      sub: 'auth0|123456',
      aud: ['https://health.example.test/api'],
      client_id: 'my_client_id',
      exp: now + 600,
      iat: now,
      jti: '73WakrfVbNJBaAmhQtEeDv',
      scope: 'read:patients',
    }),
    expected: { subject: 'auth0|123456', clientId: 'my_client_id', scopes: ['read:patients'], roles: [] },
    rfc9068: true,
    requiredClaim: 'iat',
    lookalikes: [['an ID token (aud is the client id)', (p) => (p.aud = 'my_client_id')]],
  },
  {
    name: 'Okta (custom authorization server)',
    profile: 'okta',
    issuer: 'https://dev-123456.okta.test/oauth2/default',
    audience: 'api://default',
    key: rsaKey('okta-key'),
    header: { alg: 'RS256' },
    payload: (now) => ({
      ver: 1,
      jti: 'AT.MNAoEQ_jbKqoinrQo1D0XKjMX28U5d7ZszBceot7-Ts',
      iss: 'https://dev-123456.okta.test/oauth2/default',
      aud: 'api://default',
      sub: 'alice@example.test',
      iat: now,
      exp: now + 600,
      cid: '0oa1b2c3d4e5f6g7h8i9',
      uid: '00u1b2c3d4e5f6g7h8i9',
      scp: ['openid', 'items:read'],
      auth_time: now - 30,
      groups: ['Everyone', 'items-admins'],
    }),
    expected: {
      subject: 'alice@example.test',
      clientId: '0oa1b2c3d4e5f6g7h8i9',
      scopes: ['openid', 'items:read'],
      roles: ['Everyone', 'items-admins'],
    },
    requiredClaim: 'cid',
    lookalikes: [
      [
        'an ID token (aud the client, no cid, no scp)',
        (p) => ((p.aud = '0oa1b2c3d4e5f6g7h8i9'), delete p.cid),
      ],
      ['an org authorization server token', (p) => (p.iss = 'https://dev-123456.okta.test')],
    ],
  },
  {
    name: 'Microsoft Entra ID (v2.0 token, app id audience)',
    profile: 'entra',
    issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    audience: ENTRA_APP,
    key: rsaKey('entra-v2-key'),
    header: { typ: 'JWT', alg: 'RS256' },
    payload: (now) => ({
      aud: ENTRA_APP,
      iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      iat: now,
      nbf: now,
      exp: now + 600,
      aio: 'AWQAm/8TAAAA',
      azp: ENTRA_CLIENT,
      azpacr: '0',
      name: 'Alice',
      oid: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
      preferred_username: 'alice@contoso.test',
      rh: '0.AAAA',
      roles: ['Items.ReadWrite.All'],
      scp: 'items.read user_impersonation',
      sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
      tid: TENANT,
      uti: 'fqiBqXLPj0eQa82S-IYFAA',
      ver: '2.0',
    }),
    expected: {
      subject: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
      clientId: ENTRA_CLIENT,
      scopes: ['items.read', 'user_impersonation'],
      roles: ['Items.ReadWrite.All'],
    },
    requiredClaim: 'tid',
    lookalikes: [
      [
        'a token of another tenant under this issuer',
        (p) => (p.tid = '00000000-0000-4000-8000-000000000000'),
      ],
      ['a Microsoft Graph token', (p) => (p.aud = '00000003-0000-0000-c000-000000000000')],
    ],
  },
  {
    name: 'Microsoft Entra ID (v1.0 token, api:// audience)',
    profile: 'entra',
    issuer: `https://sts.windows.net/${TENANT}/`,
    audience: ENTRA_APP,
    key: rsaKey('entra-v1-key'),
    header: { typ: 'JWT', alg: 'RS256' },
    payload: (now) => ({
      aud: `api://${ENTRA_APP}`,
      iss: `https://sts.windows.net/${TENANT}/`,
      iat: now,
      nbf: now,
      exp: now + 600,
      appid: ENTRA_CLIENT,
      appidacr: '1',
      idp: `https://sts.windows.net/${TENANT}/`,
      oid: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
      roles: ['Items.Read.All'],
      sub: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
      tid: TENANT,
      uti: 'Xf3Kc2Q0XkOVgO2c9p0BAA',
      ver: '1.0',
    }),
    expected: {
      subject: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
      clientId: ENTRA_CLIENT,
      scopes: [],
      roles: ['Items.Read.All'],
    },
    requiredClaim: 'sub',
    lookalikes: [['an api:// URI of another app', (p) => (p.aud = `api://${ENTRA_CLIENT}`)]],
  },
  {
    name: 'Keycloak (realm and client roles)',
    profile: 'keycloak',
    issuer: 'https://keycloak.example.test/realms/demo',
    audience: 'items-api',
    key: rsaKey('keycloak-key'),
    header: { alg: 'RS256', typ: 'JWT' },
    payload: (now) => ({
      exp: now + 300,
      iat: now,
      auth_time: now - 10,
      jti: 'onrtac:8f0c2f4e-7d43-4c2b-9d0e-6a3b1d2c4e5f',
      iss: 'https://keycloak.example.test/realms/demo',
      aud: ['items-api', 'account'],
      sub: 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b',
      typ: 'Bearer',
      azp: 'web-app',
      sid: '3c2b1a09-8f7e-4d6c-5b4a-392817161514',
      acr: '1',
      'allowed-origins': ['https://app.example.test'],
      realm_access: { roles: ['offline_access', 'uma_authorization', 'items-admin'] },
      resource_access: { 'items-api': { roles: ['reader'] }, account: { roles: ['manage-account'] } },
      scope: 'openid profile items:read',
      email_verified: true,
      preferred_username: 'alice',
    }),
    expected: {
      subject: 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b',
      clientId: 'web-app',
      scopes: ['openid', 'profile', 'items:read'],
      roles: ['offline_access', 'uma_authorization', 'items-admin', 'reader'],
    },
    requiredClaim: 'jti',
    lookalikes: [
      ['an ID token (payload typ ID)', (p) => (p.typ = 'ID')],
      ['a refresh token (payload typ Refresh)', (p) => (p.typ = 'Refresh')],
    ],
  },
  {
    name: 'Amazon Cognito (user pool access token)',
    profile: 'cognito',
    issuer: 'https://cognito-idp.us-east-1.amazonaws.test/us-east-1_Example',
    audience: '7d8a2nl0vh8jhvf1ccm4ba4r1f',
    key: rsaKey('cognito-key'),
    header: { alg: 'RS256' },
    payload: (now) => ({
      sub: 'aaaaaaaa-bbbb-cccc-dddd-example',
      'cognito:groups': ['admin'],
      iss: 'https://cognito-idp.us-east-1.amazonaws.test/us-east-1_Example',
      version: 2,
      client_id: '7d8a2nl0vh8jhvf1ccm4ba4r1f',
      origin_jti: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      event_id: 'cccccccc-dddd-eeee-ffff-aaaaaaaaaaaa',
      token_use: 'access',
      scope: 'items/read aws.cognito.signin.user.admin',
      auth_time: now - 60,
      exp: now + 600,
      iat: now,
      jti: 'bbbbbbbb-cccc-dddd-eeee-ffffffffffff',
      username: 'alice',
    }),
    expected: {
      subject: 'aaaaaaaa-bbbb-cccc-dddd-example',
      clientId: '7d8a2nl0vh8jhvf1ccm4ba4r1f',
      scopes: ['items/read', 'aws.cognito.signin.user.admin'],
      roles: ['admin'],
    },
    requiredClaim: 'token_use',
    lookalikes: [
      ['an ID token (token_use id, aud the client)', (p) => ((p.token_use = 'id'), (p.aud = p.client_id))],
      ['another app client of the pool', (p) => (p.client_id = '1example23456789')],
    ],
  },
  {
    name: 'Ory Hydra (JWT access token strategy)',
    profile: 'hydra',
    issuer: 'https://hydra.example.test/',
    audience: 'https://api.example.test',
    key: rsaKey('public:hydra-key'),
    header: { alg: 'RS256', typ: 'JWT' },
    payload: (now) => ({
      aud: ['https://api.example.test'],
      client_id: 'my-client',
      exp: now + 600,
      ext: {},
      iat: now,
      iss: 'https://hydra.example.test/',
      jti: '2f4ea0c4-d2a4-4a8a-9c39-0b3e1c1a9c1e',
      nbf: now,
      scp: ['items:read', 'offline'],
      sub: 'foo@bar.test',
    }),
    expected: {
      subject: 'foo@bar.test',
      clientId: 'my-client',
      scopes: ['items:read', 'offline'],
      roles: [],
    },
    requiredClaim: 'client_id',
    lookalikes: [['a token requested without an audience', (p) => (p.aud = [])]],
  },
  {
    name: 'ZITADEL (JWT access token with project roles)',
    profile: 'zitadel',
    issuer: 'https://example-abc123.zitadel.test',
    audience: '344374183645413380',
    key: rsaKey('zitadel-key'),
    header: { alg: 'RS256' },
    payload: (now) => ({
      iss: 'https://example-abc123.zitadel.test',
      sub: '345377791925026818',
      aud: ['344374183645413380', '344374201112345678'],
      exp: now + 600,
      iat: now,
      nbf: now,
      jti: '345377791925091234',
      client_id: 'service-user-1',
      'urn:zitadel:iam:org:project:roles': { reader: { '344373908297744388': 'acme.zitadel.test' } },
      'urn:zitadel:iam:org:project:344374183645413380:roles': {
        streaming: { '344373908297744388': 'acme.zitadel.test' },
      },
      'urn:zitadel:iam:org:project:999999999999999999:roles': {
        superuser: { '344373908297744388': 'acme.zitadel.test' },
      },
    }),
    expected: {
      subject: '345377791925026818',
      clientId: 'service-user-1',
      scopes: [],
      roles: ['reader', 'streaming'],
    },
    requiredClaim: 'sub',
    lookalikes: [['a token for another project', (p) => (p.aud = ['999999999999999999'])]],
  },
]

/** header.payload.signature over JSON text exactly as given (no `typ` added). */
export function providerToken(
  fixture: ProviderFixture,
  change: (payload: Record<string, unknown>) => void = () => {},
  header: Record<string, unknown> = {},
  key: TestKey = fixture.key,
  now = nowSeconds(),
): string {
  const payload = fixture.payload(now)
  change(payload)
  const alg = String(header.alg ?? fixture.header.alg)
  const input = `${b64(JSON.stringify({ ...fixture.header, kid: fixture.key.kid, ...header }))}.${b64(JSON.stringify(payload))}`
  return `${input}.${b64(signature(alg, key.privateKey, input))}`
}
