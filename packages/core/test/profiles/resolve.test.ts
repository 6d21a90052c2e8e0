import { resolveOptions, type ValidatorOptions } from '../../src/options'
import { PROFILE_NAMES } from '../../src/profiles/builtin'

const base: ValidatorOptions = {
  issuer: 'https://issuer.test/',
  audience: 'https://api.test',
  jwt: { algorithms: ['RS256'] },
}
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const APP = '6e74172b-be56-4843-9ff4-e66a39bb12e3'

const profileOf = (options: Partial<ValidatorOptions>, issuer = 'https://issuer.test/') =>
  resolveOptions({ ...base, ...options } as ValidatorOptions).profiles.get(issuer)!

describe('issuer entries and profiles', () => {
  it('keeps the plain forms: a string and a list of strings, each under the RFC 9068 profile', () => {
    const resolved = resolveOptions({ ...base, issuer: ['https://a.test/', 'https://b.test/'] })
    expect(resolved.issuers).toEqual(['https://a.test/', 'https://b.test/'])
    for (const issuer of resolved.issuers) {
      expect(resolved.profiles.get(issuer)).toMatchObject({
        name: 'rfc9068',
        typ: new Set(['at+jwt']),
        requiredClaims: ['sub', 'client_id', 'iat', 'jti'],
        audienceClaim: 'aud',
        audiences: new Set(['https://api.test']),
        clientIdClaims: ['client_id'],
      })
    }
  })

  it('mixes strings and { url, profile, audience } objects; each issuer gets its own', () => {
    const resolved = resolveOptions({
      ...base,
      issuer: [
        'https://issuer.test/',
        { url: 'https://tenant.auth0.test/', profile: 'auth0' },
        {
          url: 'https://cognito-idp.eu-west-1.amazonaws.test/pool',
          profile: 'cognito',
          audience: 'app-client',
        },
      ],
    })
    expect(resolved.issuers).toHaveLength(3)
    expect(resolved.profiles.get('https://tenant.auth0.test/')).toMatchObject({
      name: 'auth0',
      typ: new Set(['jwt', 'at+jwt']),
      audiences: new Set(['https://api.test']),
    })
    expect(resolved.profiles.get('https://cognito-idp.eu-west-1.amazonaws.test/pool')).toMatchObject({
      name: 'cognito',
      audienceClaim: 'client_id',
      audiences: new Set(['app-client']),
      claimValues: { token_use: 'access' },
      typ: new Set([null, 'jwt']),
    })
  })

  it('applies the validator-wide profile to issuers that name none', () => {
    expect(profileOf({ profile: 'hydra' }).name).toBe('hydra')
    expect(
      profileOf({ profile: 'hydra', issuer: [{ url: 'https://issuer.test/', profile: 'rfc9068' }] }).name,
    ).toBe('rfc9068')
  })

  it('a profile object extends a named one and replaces only what it gives', () => {
    const profile = profileOf(
      {
        profile: { extends: 'keycloak', requiredClaims: ['sub'], roleClaims: ['groups', ['org', 'roles']] },
        issuer: 'https://kc.test/realms/x',
      },
      'https://kc.test/realms/x',
    )
    expect(profile).toMatchObject({
      name: 'keycloak (customized)',
      requiredClaims: ['sub', 'typ'], // the claim values stay required
      roleClaims: [['groups'], ['org', 'roles']],
      scopeClaims: [['scope']],
      claimValues: { typ: 'Bearer' },
    })
    expect(profileOf({ profile: { requiredClaims: [] } }).requiredClaims).toEqual([])
  })

  it('the older options win over every profile: jwt.typ and scopeClaim', () => {
    expect(
      profileOf(
        {
          profile: 'entra',
          jwt: { algorithms: ['RS256'], typ: 'at+jwt' },
          issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
        },
        `https://login.microsoftonline.com/${TENANT}/v2.0`,
      ).typ,
    ).toEqual(new Set(['at+jwt']))
    expect(profileOf({ jwt: { algorithms: ['RS256'], typ: false } }).typ).toBe(false)
    expect(
      profileOf(
        { profile: 'auth0', scopeClaim: 'perms', issuer: 'https://a.auth0.test/' },
        'https://a.auth0.test/',
      ).scopeClaims,
    ).toEqual([['perms']])
  })

  it('Entra: tenant from the issuer becomes a required tid; app id and api:// URI are one audience', () => {
    const v2 = `https://login.microsoftonline.com/${TENANT}/v2.0`
    const v1 = `https://sts.windows.net/${TENANT}/`
    const resolved = resolveOptions({ ...base, audience: APP, profile: 'entra', issuer: [v1, v2] })
    for (const issuer of [v1, v2]) {
      expect(resolved.profiles.get(issuer)).toMatchObject({
        claimValues: { tid: TENANT },
        audiences: new Set([APP, `api://${APP}`]),
        clientIdClaims: ['azp', 'appid'],
      })
    }
    expect(profileOf({ audience: `api://${APP}`, profile: 'entra', issuer: v2 }, v2).audiences).toEqual(
      new Set([`api://${APP}`, APP]),
    )
    // A custom app ID URI gets no alias.
    expect(
      profileOf({ audience: 'https://contoso.test/api', profile: 'entra', issuer: v2 }, v2).audiences,
    ).toEqual(new Set(['https://contoso.test/api']))
  })

  it.each([
    [{ issuer: 'https://sts.windows.net/' + TENANT, profile: 'entra' }, /v1 issuers are/],
    [{ issuer: `https://login.microsoftonline.com/${TENANT}/v2.0/`, profile: 'entra' }, /v2 issuers are/],
    [{ issuer: `https://login.microsoftonline.com/${TENANT}`, profile: 'entra' }, /v2 issuers are/],
    [{ issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0', profile: 'entra' }, /resolver/],
    [{ issuer: 'https://login.microsoftonline.com/common/v2.0', profile: 'entra' }, /resolver/],
    [{ issuer: 'https://tenant.auth0.test', profile: 'auth0' }, /end with "\/"/],
    [{ issuer: 'https://dev.okta.test/oauth2/default/', profile: 'okta' }, /do not end with "\/"/],
    [{ issuer: 'https://kc.test/realms/demo/', profile: 'keycloak' }, /do not end with "\/"/],
    [{ issuer: 'https://cognito-idp.test/pool/', profile: 'cognito' }, /do not end with "\/"/],
  ])('refuses an issuer in a shape the provider never sends: %j', (options, message) => {
    expect(() => resolveOptions({ ...base, ...options } as ValidatorOptions)).toThrow(message)
  })

  it.each([
    [{ issuer: [] }, /`issuer` must name at least one issuer/],
    [{ issuer: [42] }, /`issuer\[0\]` must be an issuer URL or \{ url, profile\?, audience\? \}/],
    [{ issuer: { url: '' } }, /`issuer.url` must be a non-empty string/],
    [{ issuer: [{ url: 'https://a.test/', tenant: 'x' }] }, /`issuer\[0\].tenant` is not an issuer option/],
    [{ issuer: ['https://a.test/', 'https://a.test/'] }, /`issuer\[1\]` repeats/],
    [{ issuer: [{ url: 'https://a.test/', audience: [] }] }, /`issuer\[0\].audience`/],
    [{ issuer: 'not a url' }, /`issuer` must be an absolute URL/],
    [{ issuer: [{ url: 'ftp://a.test/' }] }, /`issuer\[0\].url` must be an http\(s\) URL/],
    [{ profile: 'google' }, /`profile` must be one of rfc9068, auth0/],
    [{ profile: 42 }, /`profile` must be a profile name/],
    [{ profile: { extends: 'nope' } }, /`profile.extends` must be one of/],
    [{ profile: { typ: [] } }, /`profile.typ` must be a non-empty list/],
    [{ profile: { typ: [1] } }, /`profile.typ` must hold non-empty strings or null/],
    [{ profile: { requiredClaims: [''] } }, /`profile.requiredClaims` must hold non-empty strings/],
    [{ profile: { roleClaims: [[]] } }, /`profile.roleClaims` holds \[\]/],
    [{ profile: { scopeClaims: 'scope' } }, /`profile.scopeClaims` must be a list/],
    [{ profile: { claimValues: { token_use: 1 } } }, /`profile.claimValues` must be an object of strings/],
    [{ profile: { audienceClaim: 'azp' } }, /`profile.audienceClaim` must be aud or client_id/],
    [{ profile: { audience: 'x' } }, /`profile.audience` is not a profile option/],
    [{ issuer: [{ url: 'https://a.test/', profile: 'nope' }] }, /`issuer\[0\].profile` must be one of/],
  ])('refuses %j with a TypeError naming the option', (options, message) => {
    const run = () => resolveOptions({ ...base, ...options } as unknown as ValidatorOptions)
    expect(run).toThrow(TypeError)
    expect(run).toThrow(message)
  })

  it.each(['auth0', 'entra', 'cognito'] as const)(
    'refuses introspection discovery for %s (the provider has no RFC 7662 endpoint); an explicit endpoint is yours to give',
    (profile) => {
      const issuer =
        profile === 'auth0'
          ? 'https://t.auth0.test/'
          : profile === 'entra'
            ? `https://login.microsoftonline.com/${TENANT}/v2.0`
            : 'https://cognito-idp.test/pool'
      const introspection = { clientId: 'api', clientSecret: 's' }
      expect(() => resolveOptions({ ...base, issuer, profile, introspection })).toThrow(
        /has no RFC 7662 introspection endpoint/,
      )
      expect(() =>
        resolveOptions({
          ...base,
          issuer,
          profile,
          introspection: { ...introspection, endpoint: 'https://gw.test/i' },
        }),
      ).not.toThrow()
    },
  )

  it('names every profile in one list', () => {
    expect(PROFILE_NAMES).toEqual([
      'rfc9068',
      'auth0',
      'okta',
      'entra',
      'keycloak',
      'cognito',
      'hydra',
      'zitadel',
    ])
  })
})
