import fc from 'fast-check'
import { createValidator, type RequestLike } from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM } from '@tokenguard/conformance'
import { extractToken } from '../../packages/core/src/extract'
import { classifyToken, decodeJws } from '../../packages/core/src/jws/decode'
import { formatChallenge, sanitizeParam, sanitizeScope } from '../../packages/core/src/challenge'
import { parseScopes } from '../../packages/core/src/scopes'
import {
  InvalidRequestError,
  InvalidTokenError,
  InsufficientScopeError,
  MissingTokenError,
  TokenError,
} from '../../packages/core/src/errors'
import { parseChallenge } from './src/attack'
import { b64, claims, forge, rsaKey } from './src/forge'

// Seeded, so a failure reproduces: fast-check prints the seed and path of the shrunk counterexample.
const runs = (seed: number, numRuns = 800) => ({ seed, numRuns })

/** Whatever `run` throws must be a TokenError of one of `statuses`. */
function onlyTokenErrors(run: () => unknown, statuses: readonly number[]): void {
  try {
    run()
  } catch (error) {
    if (!(error instanceof TokenError)) throw new Error(`not a TokenError: ${String(error)}`)
    if (!statuses.includes(error.status)) throw new Error(`status ${error.status} (${error.reason})`)
  }
}

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
const anyText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii' }))
const b64url = fc.uint8Array({ maxLength: 48 }).map((bytes) => b64(Buffer.from(bytes)))
/** Strings that look like tokens, JWS, JWE or near misses. */
const tokenish = fc.oneof(
  anyText,
  fc.array(b64url, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.')),
  fc
    .tuple(fc.jsonValue(), fc.jsonValue(), b64url)
    .map(([h, p, s]) => `${b64(JSON.stringify(h) ?? '')}.${b64(JSON.stringify(p) ?? '')}.${s}`),
  fc
    .tuple(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue(), anyText)
    .map(
      ([h, p, s]) => `${b64(JSON.stringify({ alg: 'RS256', ...h }))}.${b64(JSON.stringify(p) ?? '')}.${s}`,
    ),
  fc
    .tuple(
      fc.stringMatching(/^[A-Za-z0-9_\-+/=.~ ]{0,40}$/),
      fc.constantFrom('', '=', '==', ' ', '.', '+', '/'),
    )
    .map(([a, b]) => a + b),
)
const authorization = fc.oneof(
  anyText,
  tokenish.map((t) => `Bearer ${t}`),
  fc
    .tuple(
      fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'DPoP', 'Token', ''),
      fc.constantFrom(' ', '  ', '\t', ''),
      tokenish,
    )
    .map(([s, sep, t]) => s + sep + t),
)

describe('extraction (extractToken)', () => {
  const request = fc.record(
    {
      method: fc.oneof(fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE'), fc.string()),
      url: fc.option(
        fc.oneof(
          fc.string(),
          fc
            .tuple(
              fc.string(),
              fc.array(fc.tuple(fc.constantFrom('access_token', 'x', 'access_token[]'), tokenish)),
            )
            .map(([p, q]) => `/${p}?${q.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`),
        ),
        { nil: undefined },
      ),
      headers: fc.record(
        {
          authorization: fc.oneof(authorization, fc.array(authorization, { maxLength: 3 })),
          'content-type': fc.oneof(
            fc.constant('application/x-www-form-urlencoded'),
            fc.constant('application/x-www-form-urlencoded; charset=utf-8'),
            fc.string(),
          ),
        },
        { requiredKeys: [] },
      ),
      rawHeaders: fc.option(
        fc.array(fc.oneof(fc.constantFrom('Authorization', 'authorization', 'Content-Type'), fc.string()), {
          maxLength: 8,
        }),
        { nil: undefined },
      ),
      body: fc.oneof(fc.anything(), fc.record({ access_token: fc.oneof(tokenish, fc.anything()) })),
      query: fc.option(fc.record({ access_token: fc.oneof(tokenish, fc.anything()) }, { requiredKeys: [] }), {
        nil: undefined,
      }),
    },
    { requiredKeys: ['method', 'headers'] },
  )
  const options = fc.record({
    allowBodyToken: fc.boolean(),
    allowQueryToken: fc.boolean(),
    allowDpop: fc.boolean(),
    maxTokenLength: fc.integer({ min: 1, max: 200 }),
  })

  it('returns a well-formed token within the limit, nothing, or a 400/401 TokenError', () => {
    fc.assert(
      fc.property(request, options, (req, opts) => {
        onlyTokenErrors(() => {
          const found = extractToken(req as RequestLike, opts)
          if (found === undefined) return
          expect(found.token.length).toBeLessThanOrEqual(opts.maxTokenLength)
          expect(found.token).toMatch(B64TOKEN)
          expect(['header', 'body', 'query']).toContain(found.location)
        }, [400, 401])
      }),
      runs(0x7e57_0001),
    )
  })

  it('two Authorization headers are always 400, whatever they hold', () => {
    fc.assert(
      fc.property(authorization, authorization, (a, b) => {
        expect(() =>
          extractToken(
            {
              method: 'GET',
              headers: { authorization: a },
              rawHeaders: ['Authorization', a, 'authorization', b],
            },
            { allowBodyToken: false, allowQueryToken: false, allowDpop: true, maxTokenLength: 8192 },
          ),
        ).toThrow(InvalidRequestError)
      }),
      runs(0x7e57_0002, 500),
    )
  })
})

describe('token shape (classifyToken, decodeJws)', () => {
  it('classifyToken never throws and names one of three shapes', () => {
    fc.assert(
      fc.property(tokenish, (token) => expect(['jws', 'jwe', 'opaque']).toContain(classifyToken(token))),
      runs(0x7e57_0003),
    )
  })

  it('decodeJws yields objects from canonical segments only, or throws a 401 TokenError', () => {
    fc.assert(
      fc.property(tokenish, (token) => {
        onlyTokenErrors(() => {
          const decoded = decodeJws(token)
          const [h, p, s] = token.split('.') as [string, string, string]
          // One signature, one spelling: every accepted segment re-encodes to itself.
          for (const segment of [h, p, s]) expect(b64(Buffer.from(segment, 'base64url'))).toBe(segment)
          expect(decoded.signingInput).toBe(`${h}.${p}`)
          for (const part of [decoded.header, decoded.payload])
            expect(part !== null && typeof part === 'object' && !Array.isArray(part)).toBe(true)
          expect(classifyToken(token)).toBe(typeof decoded.header.alg === 'string' ? 'jws' : 'opaque')
        }, [401])
      }),
      runs(0x7e57_0004),
    )
  })
})

describe('challenges (formatChallenge, sanitizeParam, sanitizeScope)', () => {
  const FORBIDDEN_IN_VALUE = /["\\\r\n]/
  function expectSafeHeader(header: string): Record<string, string> {
    expect(header).not.toMatch(/[\r\n\0]/)
    const { params } = parseChallenge(header)
    for (const value of Object.values(params)) expect(value).not.toMatch(FORBIDDEN_IN_VALUE)
    return params
  }
  const names = fc.oneof(
    fc.constantFrom('realm', 'error', 'error_description', 'scope', 'error_uri', 'algs', 'resource_metadata'),
    fc.stringMatching(/^[a-z_]{1,12}$/),
  )

  it('sanitizeParam keeps only RFC 6750 description characters and is idempotent', () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const clean = sanitizeParam(value)
        expect(clean).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/)
        expect(sanitizeParam(clean)).toBe(clean)
      }),
      runs(0x7e57_0005),
    )
  })

  it('sanitizeScope yields space-separated RFC 6749 scope tokens, none empty', () => {
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 6 }), (scopes) => {
        const clean = sanitizeScope(scopes)
        if (clean !== '') expect(clean).toMatch(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/)
      }),
      runs(0x7e57_0006),
    )
  })

  it('formatChallenge with any values parses back: no quote, backslash, CR or LF inside a value, none in the header', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Bearer', 'DPoP'),
        fc.dictionary(names, fc.option(anyText, { nil: undefined })),
        (scheme, params) => {
          const parsed = expectSafeHeader(formatChallenge(scheme, params))
          for (const [name, value] of Object.entries(params))
            if (value === undefined) expect(parsed[name]).toBeUndefined()
        },
      ),
      runs(0x7e57_0007),
    )
  })

  it('formatChallenge with any parameter names still emits one header line that parses', () => {
    fc.assert(
      fc.property(fc.dictionary(anyText, anyText, { maxKeys: 4 }), (params) => {
        expectSafeHeader(formatChallenge('Bearer', params))
      }),
      runs(0x7e57_0008, 500),
    )
  })

  it('every TokenError, whatever its realm, description, scopes and parameters, has a safe header and a JSON body', () => {
    const kinds = [InvalidTokenError, InvalidRequestError, InsufficientScopeError, MissingTokenError] as const
    fc.assert(
      fc.property(
        fc.nat(kinds.length - 1),
        anyText,
        anyText,
        fc.array(anyText, { maxLength: 4 }),
        fc.dictionary(names, anyText, { maxKeys: 3 }),
        (kind, realm, description, scope, params) => {
          const error = new kinds[kind]({ reason: 'malformed_token', description, scope, params })
          error.realm = realm
          expect([400, 401, 403]).toContain(error.status)
          expectSafeHeader(error.headers['WWW-Authenticate']!)
          expect(JSON.parse(JSON.stringify(error.body))).toEqual(error.body)
        },
      ),
      runs(0x7e57_0009),
    )
  })
})

describe('scope parsing (parseScopes)', () => {
  it('yields non-empty strings only, never throws, whatever the claims and scope claim', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.oneof(fc.constantFrom('scope', 'scp', 'permissions', '__proto__', 'constructor'), fc.string()),
          fc.oneof(anyText, fc.array(fc.oneof(anyText, fc.jsonValue())), fc.jsonValue()),
        ),
        fc.option(
          fc.oneof(
            fc.constantFrom('scope', 'scp', 'permissions', '__proto__', 'constructor', 'toString'),
            fc.string(),
          ),
          { nil: undefined },
        ),
        (claimSet, scopeClaim) => {
          const scopes = parseScopes(claimSet, scopeClaim)
          expect(Array.isArray(scopes)).toBe(true)
          for (const scope of scopes) expect(typeof scope === 'string' && scope.length > 0).toBe(true)
          const raw = scopeClaim !== undefined ? claimSet[scopeClaim] : (claimSet.scope ?? claimSet.scp)
          if (typeof raw === 'string') for (const scope of scopes) expect(scope).not.toContain(' ')
        },
      ),
      runs(0x7e57_000a),
    )
  })
})

describe('the full validator (local keys)', () => {
  const rsa = rsaKey('rsa-main')
  const validator = createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    realm: REALM,
    jwt: { algorithms: ['RS256'], jwks: { keys: [rsa.jwk as never] } },
  })
  afterAll(() => validator.close())

  async function outcome(header: string): Promise<number> {
    try {
      await validator.authenticate({
        method: 'GET',
        url: '/',
        headers: { authorization: header },
        rawHeaders: ['Authorization', header],
      })
      return 200
    } catch (error) {
      if (!(error instanceof TokenError)) throw new Error(`not a TokenError: ${String(error)}`)
      expectSafeHeaderOrNone(error)
      return error.status
    }
  }
  function expectSafeHeaderOrNone(error: TokenError): void {
    const header = error.headers['WWW-Authenticate']
    if (header !== undefined) expect(header).not.toMatch(/[\r\n]/)
  }

  it('any Authorization header: only 400 or 401, never 500 or 503', async () => {
    await fc.assert(
      fc.asyncProperty(authorization, async (header) => {
        expect([400, 401]).toContain(await outcome(header))
      }),
      runs(0x7e57_000b, 1000),
    )
  })

  it('any JWS header and payload under a junk or borrowed signature: 401', async () => {
    const borrowed = forge({ header: { alg: 'RS256', kid: rsa.kid } }, 'RS256', rsa.privateKey).split('.')[2]!
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom('alg', 'kid', 'typ', 'crit', 'b64', 'jku', 'jwk', 'x5c', 'zip', 'enc'),
          fc.oneof(fc.constantFrom('RS256', 'none', 'HS256', 'ES256', 'at+jwt', rsa.kid), fc.jsonValue()),
        ),
        fc.dictionary(
          fc.constantFrom('iss', 'aud', 'exp', 'nbf', 'iat', 'sub', 'scope', 'jti', 'cnf'),
          fc.oneof(fc.constantFrom(ISSUER, AUDIENCE, 9_999_999_999), fc.jsonValue()),
        ),
        fc.oneof(fc.constant(borrowed), b64url),
        async (header, payload, sig) => {
          const token = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims(payload)))}.${sig}`
          expect(await outcome(`Bearer ${token}`)).toBe(401)
        },
      ),
      runs(0x7e57_000c, 500),
    )
  })

  it('any genuinely signed claims: accepted (200) or 401, never an internal error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            'iss',
            'aud',
            'exp',
            'nbf',
            'iat',
            'sub',
            'scope',
            'scp',
            'jti',
            'client_id',
            'cnf',
            'x',
          ),
          fc.oneof(fc.constantFrom(ISSUER, AUDIENCE, 9_999_999_999, 'items:read'), fc.jsonValue()),
          { maxKeys: 5 },
        ),
        async (payload) => {
          const token = forge({ header: { alg: 'RS256', kid: rsa.kid }, payload }, 'RS256', rsa.privateKey)
          expect([200, 401]).toContain(await outcome(`Bearer ${token}`))
        },
      ),
      runs(0x7e57_000d, 500),
    )
  })
})
