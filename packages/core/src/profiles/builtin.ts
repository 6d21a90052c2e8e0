import type { ProfileDefinition, ProfileName } from './types.js'

/**
 * The named profiles, each written from its provider's public documentation (cited in
 * `docs/profiles/<name>.md`). `requiredClaims` lists what the provider always sends in an access
 * token, beyond `iss`, `exp` and the audience claim, which every profile requires.
 */
export const PROFILES: Readonly<Record<ProfileName, ProfileDefinition>> = {
  // RFC 9068 §2.1 (`typ: at+jwt`), §2.2 (required claims), §2.2.3.1 (roles).
  rfc9068: {
    typ: ['at+jwt'],
    requiredClaims: ['sub', 'client_id', 'iat', 'jti'],
    claimValues: {},
    scopeClaims: ['scope', 'scp'],
    roleClaims: ['roles'],
    clientIdClaims: ['client_id'],
    audienceClaim: 'aud',
    introspection: true,
    issuerShape: 'any',
    appIdUriAliases: false,
  },
  // Auth0 token profile (`typ: JWT`, `azp`, no `jti`) or its RFC 9068 profile (`at+jwt`,
  // `client_id`, `jti`); RBAC adds `permissions`. Issuers end with a slash. No introspection.
  auth0: {
    typ: ['jwt', 'at+jwt'],
    requiredClaims: ['sub', 'iat'],
    claimValues: {},
    scopeClaims: ['scope', 'permissions'],
    roleClaims: [],
    clientIdClaims: ['client_id', 'azp'],
    audienceClaim: 'aud',
    introspection: false,
    issuerShape: 'trailing-slash',
    appIdUriAliases: false,
  },
  // Okta custom authorization servers: no `typ`, scopes in `scp` (a list), the client in `cid`.
  okta: {
    typ: [null, 'jwt', 'at+jwt'],
    requiredClaims: ['sub', 'cid', 'iat', 'jti'],
    claimValues: {},
    scopeClaims: ['scp', 'scope'],
    roleClaims: ['groups'],
    clientIdClaims: ['cid', 'client_id'],
    audienceClaim: 'aud',
    introspection: true,
    issuerShape: 'no-trailing-slash',
    appIdUriAliases: false,
  },
  // Microsoft Entra ID v1 (`sts.windows.net/{tid}/`, `appid`) and v2 (`login.microsoftonline.com/{tid}/v2.0`,
  // `azp`): `typ` always `JWT`, `scp` a space-separated string, app roles in `roles`, no `jti`.
  entra: {
    typ: ['jwt'],
    requiredClaims: ['sub', 'iat', 'tid'],
    claimValues: {},
    scopeClaims: ['scp'],
    roleClaims: ['roles'],
    clientIdClaims: ['azp', 'appid'],
    audienceClaim: 'aud',
    introspection: false,
    issuerShape: 'entra',
    appIdUriAliases: true,
  },
  // Keycloak: `typ: JWT` (or `at+jwt` when the client opts in), `typ: Bearer` in the payload keeps
  // ID and refresh tokens out, realm and client roles in nested objects.
  keycloak: {
    typ: ['jwt', 'at+jwt'],
    requiredClaims: ['sub', 'iat', 'jti'],
    claimValues: { typ: 'Bearer' },
    scopeClaims: ['scope'],
    roleClaims: [
      ['realm_access', 'roles'],
      ['resource_access', '{audience}', 'roles'],
    ],
    clientIdClaims: ['client_id', 'azp'],
    audienceClaim: 'aud',
    introspection: true,
    issuerShape: 'no-trailing-slash',
    appIdUriAliases: false,
  },
  // Amazon Cognito user pools: no `typ`, no `aud` in access tokens (the app client is `client_id`),
  // `token_use: access` tells them from ID tokens, groups in `cognito:groups`. No introspection.
  cognito: {
    typ: [null, 'jwt'],
    requiredClaims: ['sub', 'iat', 'jti', 'token_use'],
    claimValues: { token_use: 'access' },
    scopeClaims: ['scope'],
    roleClaims: ['cognito:groups'],
    clientIdClaims: ['client_id'],
    audienceClaim: 'client_id',
    introspection: false,
    issuerShape: 'no-trailing-slash',
    appIdUriAliases: false,
  },
  // Ory Hydra / Ory Network JWT access tokens: `typ: JWT`, scopes in `scp` (a list) by default.
  hydra: {
    typ: ['jwt', 'at+jwt'],
    requiredClaims: ['sub', 'client_id', 'iat', 'jti'],
    claimValues: {},
    scopeClaims: ['scp', 'scope'],
    roleClaims: [],
    clientIdClaims: ['client_id'],
    audienceClaim: 'aud',
    introspection: true,
    issuerShape: 'any',
    appIdUriAliases: false,
  },
  // ZITADEL JWT access tokens: roles as an object keyed by role name, for all projects or per project.
  zitadel: {
    typ: [null, 'jwt', 'at+jwt'],
    requiredClaims: ['sub', 'iat', 'jti'],
    claimValues: {},
    scopeClaims: ['scope'],
    roleClaims: ['urn:zitadel:iam:org:project:roles', 'urn:zitadel:iam:org:project:{audience}:roles'],
    clientIdClaims: ['client_id', 'azp'],
    audienceClaim: 'aud',
    introspection: true,
    issuerShape: 'no-trailing-slash',
    appIdUriAliases: false,
  },
}

export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[]
