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
      clockToleranceMs: 5000,
      jwt: {
        algorithms: ['RS256'],
        clockToleranceMs: 5000,
        typ: 'at+jwt',
        requiredClaims: [],
        maxTokenAgeMs: undefined,
        keySet: {
          cacheMaxAgeMs: 600_000,
          cooldownMs: 30_000,
          staleIfErrorMs: 3_600_000,
          timeoutMs: 3000,
          maxResponseBytes: 262_144,
        },
        cacheMax: 10_000,
      },
      introspection: {
        endpoint: undefined,
        clientAuth: 'client_secret_basic',
        timeoutMs: 3000,
        cacheMaxAgeMs: 300_000,
        inactiveCacheMaxAgeMs: 10_000,
        defaultCacheMaxAgeMs: 30_000,
        cacheMax: 10_000,
        maxResponseBytes: 65_536,
        requireAudience: false,
      },
      denylist: {
        maxStalenessMs: 5000,
        fallbackToStore: false,
        revocationTtlMs: 86_400_000,
        maxRevocationLifetimeMs: 604_800_000,
      },
    })
  })

  it('resolves every duration given in seconds to milliseconds, once', () => {
    const resolved = resolveOptions({
      ...base,
      jwt: {
        algorithms: ['RS256'],
        maxTokenAge: 60,
        keySet: { cacheMaxAge: 1, cooldown: 2, staleIfError: 3 },
      },
      introspection: {
        clientId: 'api',
        clientSecret: 's',
        cacheMaxAge: 4,
        inactiveCacheMaxAge: 5,
        defaultCacheMaxAge: 6,
      },
      dpop: { origin: 'https://api.test', maxAge: 7, nonce: { lifetime: 8 } },
      denylist: { maxStaleness: 9, revocationTtl: 10, maxRevocationLifetime: 11 },
    })
    expect(resolved.jwt).toMatchObject({
      maxTokenAgeMs: 60_000,
      keySet: { cacheMaxAgeMs: 1000, cooldownMs: 2000, staleIfErrorMs: 3000 },
    })
    expect(resolved.introspection).toMatchObject({
      cacheMaxAgeMs: 4000,
      inactiveCacheMaxAgeMs: 5000,
      defaultCacheMaxAgeMs: 6000,
    })
    expect(resolved.dpop).toMatchObject({ maxAgeMs: 7000, nonce: { lifetimeMs: 8000 } })
    expect(resolved.denylist).toMatchObject({
      maxStalenessMs: 9000,
      revocationTtlMs: 10_000,
      maxRevocationLifetimeMs: 11_000,
    })
  })
})

describe('clockTolerance: top-level, with jwt.clockTolerance as its deprecated alias', () => {
  const opaqueOnly = { ...base, jwt: undefined, introspection: { clientId: 'api', clientSecret: 's' } }
  it.each<[string, Partial<ValidatorOptions>, number]>([
    ['the default', {}, 5000],
    ['top-level', { clockTolerance: 30 }, 30_000],
    ['the deprecated alias', { jwt: { algorithms: ['RS256'], clockTolerance: 20 } }, 20_000],
    ['both, equal', { clockTolerance: 10, jwt: { algorithms: ['RS256'], clockTolerance: 10 } }, 10_000],
    ['zero', { clockTolerance: 0 }, 0],
  ])('%s: one tolerance for JWTs and introspection answers', (_name, extra, expected) => {
    const resolved = resolveOptions({
      ...base,
      introspection: { clientId: 'api', clientSecret: 's' },
      ...extra,
    })
    expect(resolved.clockToleranceMs).toBe(expected)
    expect(resolved.jwt?.clockToleranceMs).toBe(expected)
  })

  it('an opaque-only validator can set it', () => {
    expect(resolveOptions({ ...opaqueOnly, clockTolerance: 42 }).clockToleranceMs).toBe(42_000)
  })

  it.each<[string, Partial<ValidatorOptions>, RegExp]>([
    [
      'both, different',
      { clockTolerance: 10, jwt: { algorithms: ['RS256'], clockTolerance: 11 } },
      /disagree/,
    ],
    ['a negative top-level value', { clockTolerance: -1 }, /`clockTolerance`/],
    ['a string', { clockTolerance: '5' as never }, /`clockTolerance`/],
    ['a bad alias', { jwt: { algorithms: ['RS256'], clockTolerance: Number.NaN } }, /`jwt.clockTolerance`/],
  ])('%s is a TypeError', (_name, extra, message) => {
    expect(() => resolveOptions({ ...base, ...extra })).toThrow(TypeError)
    expect(() => resolveOptions({ ...base, ...extra })).toThrow(message)
  })
})

describe('resolveOptions: shapes', () => {
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
    expect(resolved.jwt).toMatchObject({
      typ: false,
      cacheMax: 0,
      requiredClaims: ['sub'],
      maxTokenAgeMs: 60_000,
    })
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

describe('counts and sizes are whole numbers', () => {
  it.each<[string, ValidatorOptions]>([
    ['maxTokenLength', { ...base, maxTokenLength: 4096.5 }],
    ['jwt.cache.max', { ...base, jwt: { algorithms: ['RS256'], cache: { max: 10.5 } } }],
    [
      'jwt.keySet.maxResponseBytes',
      { ...base, jwt: { algorithms: ['RS256'], keySet: { maxResponseBytes: 0.5 } } },
    ],
    [
      'introspection.cacheMax',
      {
        ...base,
        introspection: {
          endpoint: 'https://as.example.com/i',
          clientId: 'a',
          clientSecret: 's',
          cacheMax: 2.5,
        },
      },
    ],
    [
      'introspection.maxResponseBytes',
      {
        ...base,
        introspection: {
          endpoint: 'https://as.example.com/i',
          clientId: 'a',
          clientSecret: 's',
          maxResponseBytes: 100.25,
        },
      },
    ],
  ])('refuses a fraction for %s with a TypeError naming it', (name, options) => {
    expect(() => resolveOptions(options)).toThrow(TypeError)
    expect(() => resolveOptions(options)).toThrow(`\`${name}\` must be a`)
    expect(() => resolveOptions(options)).toThrow(/whole number/)
  })
})
