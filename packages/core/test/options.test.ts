import { resolveOptions, type ValidatorOptions } from '../src/options'

const base: ValidatorOptions = {
  issuer: 'https://issuer.test/',
  audience: 'https://api.test',
  jwt: { algorithms: ['RS256'] },
}
const secret = 'x'.repeat(32)

describe('resolveOptions', () => {
  it('fills every default', () => {
    const resolved = resolveOptions({
      ...base,
      introspection: { clientId: 'api', clientSecret: 's' },
    })
    expect(resolved).toMatchObject({
      issuers: ['https://issuer.test/'],
      audiences: ['https://api.test'],
      realm: 'https://api.test',
      allowBodyToken: false,
      allowQueryToken: false,
      maxTokenLength: 8192,
      scopeClaim: undefined,
      jwt: {
        algorithms: ['RS256'],
        clockTolerance: 5,
        typ: 'at+jwt',
        requiredClaims: [],
        maxTokenAge: undefined,
        keySet: {
          cacheMaxAge: 600_000,
          cooldown: 30_000,
          staleIfError: 3_600_000,
          timeout: 3000,
          maxResponseBytes: 262_144,
        },
        cacheMax: 10_000,
      },
      introspection: {
        endpoint: undefined,
        clientAuth: 'client_secret_basic',
        timeout: 3000,
        cacheMaxAge: 300,
        inactiveCacheMaxAge: 10,
        defaultCacheMaxAge: 30,
        cacheMax: 10_000,
        maxResponseBytes: 65_536,
        requireAudience: false,
      },
    })
  })

  it('takes lists, a realm, typ false and cache false', () => {
    const resolved = resolveOptions({
      ...base,
      issuer: ['https://a.test/', 'https://b.test/'],
      audience: ['x', 'y'],
      realm: 'orders',
      jwt: {
        algorithms: ['ES256', 'EdDSA'],
        typ: false,
        cache: false,
        requiredClaims: ['sub'],
        maxTokenAge: 60,
      },
    })
    expect(resolved.issuers).toEqual(['https://a.test/', 'https://b.test/'])
    expect(resolved.realm).toBe('orders')
    expect(resolved.jwt).toMatchObject({ typ: false, cacheMax: 0, requiredClaims: ['sub'], maxTokenAge: 60 })
  })

  it('accepts HS256 with a long enough secret', () => {
    expect(resolveOptions({ ...base, jwt: { algorithms: ['HS256'], secret } }).jwt?.secret).toHaveLength(32)
  })

  it.each<[string, unknown, RegExp]>([
    ['no options', undefined, /options must be an object/],
    ['no issuer', { ...base, issuer: undefined }, /`issuer`/],
    ['an empty issuer list', { ...base, issuer: [] }, /`issuer`/],
    ['a relative issuer', { ...base, issuer: 'issuer' }, /`issuer` must be an absolute URL/],
    ['an ftp issuer', { ...base, issuer: 'ftp://x/' }, /`issuer` must be an http/],
    ['no audience', { ...base, audience: undefined }, /`audience`/],
    ['an empty audience', { ...base, audience: '' }, /`audience`/],
    ['no strategy at all', { issuer: base.issuer, audience: base.audience }, /give `jwt`, `introspection`/],
    ['no algorithms', { ...base, jwt: {} }, /`jwt.algorithms`/],
    ['empty algorithms', { ...base, jwt: { algorithms: [] } }, /`jwt.algorithms`/],
    ['alg none', { ...base, jwt: { algorithms: ['none'] } }, /unsupported algorithm "none"/],
    ['an unknown alg', { ...base, jwt: { algorithms: ['RS1'] } }, /unsupported algorithm "RS1"/],
    ['HS256 without a secret', { ...base, jwt: { algorithms: ['HS256'] } }, /needs `jwt.secret`/],
    ['HS256 mixed with RS256', { ...base, jwt: { algorithms: ['HS256', 'RS256'], secret } }, /must not mix/],
    ['a secret with RS256', { ...base, jwt: { algorithms: ['RS256'], secret } }, /only for HS/],
    ['a short secret', { ...base, jwt: { algorithms: ['HS256'], secret: 'short' } }, /at least 32 bytes/],
    [
      'jwks and jwksUri',
      { ...base, jwt: { algorithms: ['RS256'], jwks: { keys: [] }, jwksUri: 'https://x/' } },
      /not both/,
    ],
    [
      'a malformed jwks',
      { ...base, jwt: { algorithms: ['RS256'], jwks: { nokeys: 1 } } },
      /`jwt.jwks` must be a JWK set/,
    ],
    ['a bad jwksUri', { ...base, jwt: { algorithms: ['RS256'], jwksUri: 'nope' } }, /`jwt.jwksUri`/],
    [
      'a negative tolerance',
      { ...base, jwt: { algorithms: ['RS256'], clockTolerance: -1 } },
      /`jwt.clockTolerance`/,
    ],
    [
      'an infinite max age',
      { ...base, jwt: { algorithms: ['RS256'], maxTokenAge: Infinity } },
      /`jwt.maxTokenAge`/,
    ],
    ['an empty typ', { ...base, jwt: { algorithms: ['RS256'], typ: '' } }, /`jwt.typ`/],
    [
      'a zero key set timeout',
      { ...base, jwt: { algorithms: ['RS256'], keySet: { timeout: 0 } } },
      /`jwt.keySet.timeout`/,
    ],
    ['a string cache', { ...base, jwt: { algorithms: ['RS256'], cache: 'yes' } }, /`jwt.cache`/],
    [
      'requiredClaims not a list',
      { ...base, jwt: { algorithms: ['RS256'], requiredClaims: 5 } },
      /`jwt.requiredClaims`/,
    ],
    [
      'introspection without clientId',
      { ...base, introspection: { clientSecret: 's' } },
      /`introspection.clientId`/,
    ],
    [
      'introspection without secret',
      { ...base, introspection: { clientId: 'a' } },
      /`introspection.clientSecret`/,
    ],
    [
      'an unknown client auth',
      { ...base, introspection: { clientId: 'a', clientSecret: 's', clientAuth: 'none' } },
      /`introspection.clientAuth`/,
    ],
    [
      'two issuers without an introspection endpoint',
      { ...base, issuer: ['https://a/', 'https://b/'], introspection: { clientId: 'a', clientSecret: 's' } },
      /`introspection.endpoint` is required/,
    ],
    [
      'a zero introspection timeout',
      { ...base, introspection: { clientId: 'a', clientSecret: 's', timeout: 0 } },
      /`introspection.timeout`/,
    ],
    ['a string allowBodyToken', { ...base, allowBodyToken: 'yes' }, /`allowBodyToken`/],
    ['a zero maxTokenLength', { ...base, maxTokenLength: 0 }, /`maxTokenLength`/],
    ['a non-function onEvent', { ...base, onEvent: 1 }, /`onEvent`/],
    ['an empty realm', { ...base, realm: '' }, /`realm`/],
  ])('throws a TypeError naming the option for %s', (_, options, message) => {
    expect(() => resolveOptions(options as ValidatorOptions)).toThrow(TypeError)
    expect(() => resolveOptions(options as ValidatorOptions)).toThrow(message)
  })
})
