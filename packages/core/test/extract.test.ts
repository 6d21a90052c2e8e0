import { extractToken, type ExtractOptions } from '../src/extract'
import type { RequestLike } from '../src/request'
import { TokenError } from '../src/errors'

const headerOnly: ExtractOptions = {
  allowBodyToken: false,
  allowQueryToken: false,
  maxTokenLength: 64,
  allowDpop: false,
}
const everywhere: ExtractOptions = {
  allowBodyToken: true,
  allowQueryToken: true,
  maxTokenLength: 64,
  allowDpop: true,
}
const FORM = 'application/x-www-form-urlencoded'

function request(parts: Partial<RequestLike>): RequestLike {
  return { method: 'GET', headers: {}, ...parts }
}

function rejection(
  req: RequestLike,
  options = headerOnly,
): { status: number; code: string | undefined; reason: string } {
  try {
    extractToken(req, options)
  } catch (error) {
    if (!(error instanceof TokenError)) throw error
    return { status: error.status, code: error.code, reason: error.reason }
  }
  throw new Error('expected a rejection')
}

describe('extractToken', () => {
  it('returns undefined when the request carries no token', () => {
    expect(extractToken(request({}), everywhere)).toBeUndefined()
  })

  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('reads the %s scheme case-insensitively', (scheme) => {
    expect(
      extractToken(request({ headers: { authorization: `${scheme} abc.def-ghi_~+/=` } }), headerOnly),
    ).toEqual({
      token: 'abc.def-ghi_~+/=',
      scheme: 'bearer',
      location: 'header',
    })
  })

  it.each([
    ['a tab after the scheme', 'Bearer\tabc'],
    ['a space and a tab', 'Bearer \tabc'],
    ['a comma after the scheme', 'Bearer,abc'],
    ['a no-break space after the scheme', 'Bearer\u00a0abc'],
    ['a trailing space', 'Bearer abc '],
    ['two tokens', 'Bearer abc def'],
    ['an empty token', 'Bearer '],
    ['no token at all', 'Bearer'],
    ['a quote', 'Bearer ab"c'],
    ['a comma', 'Bearer abc,def'],
    ['padding in the middle', 'Bearer ab=c'],
  ])('answers 400 invalid_request for %s', (_, authorization) => {
    expect(rejection(request({ headers: { authorization } }))).toEqual({
      status: 400,
      code: 'invalid_request',
      reason: 'malformed_request',
    })
  })

  // RFC 6750 §2.1: `1*SP` between scheme and token.
  it.each(['Bearer  abc', 'Bearer        abc', 'bearer  abc'])(
    'accepts several spaces: %j',
    (authorization) => {
      expect(extractToken(request({ headers: { authorization } }), headerOnly)?.token).toBe('abc')
    },
  )

  it.each(['DPoP  abc', 'dpop abc'])('reads the DPoP scheme the same way: %j', (authorization) => {
    expect(extractToken(request({ headers: { authorization } }), everywhere)).toEqual({
      token: 'abc',
      scheme: 'dpop',
      location: 'header',
    })
  })

  it('refuses a tab after the DPoP scheme', () => {
    expect(rejection(request({ headers: { authorization: 'DPoP\tabc' } }), everywhere).status).toBe(400)
  })

  // The scheme is the leading run of token characters: `Bearerx` is another scheme.
  it.each(['Basic dXNlcjpwYXNz', 'Digest x', 'Token abc', 'Bearerx abc', 'Bearer-1 abc'])(
    'treats another scheme (%s) as no bearer token: 401 without error code',
    (authorization) => {
      expect(rejection(request({ headers: { authorization } }))).toEqual({
        status: 401,
        code: undefined,
        reason: 'unsupported_scheme',
      })
    },
  )

  it('refuses two Authorization headers, which Node folds into the first', () => {
    const req = request({
      headers: { authorization: 'Bearer a' },
      rawHeaders: ['Host', 'x', 'Authorization', 'Bearer a', 'authorization', 'Bearer b'],
    })
    expect(rejection(req)).toEqual({ status: 400, code: 'invalid_request', reason: 'multiple_tokens' })
  })

  it('accepts one Authorization header among other raw headers', () => {
    const req = request({
      headers: { authorization: 'Bearer a' },
      rawHeaders: ['Host', 'x', 'Authorization', 'Bearer a'],
    })
    expect(extractToken(req, headerOnly)?.token).toBe('a')
  })

  it('refuses an array-valued authorization header', () => {
    expect(rejection(request({ headers: { authorization: ['Bearer a', 'Bearer b'] } })).reason).toBe(
      'multiple_tokens',
    )
  })

  it.each([
    ['just over the limit', 'a'.repeat(65)],
    ['far over the limit', 'a'.repeat(100_000)],
  ])('refuses a token %s with 401 invalid_token before any decoding', (_, token) => {
    expect(rejection(request({ headers: { authorization: `Bearer ${token}` } }))).toEqual({
      status: 401,
      code: 'invalid_token',
      reason: 'token_too_large',
    })
  })

  it('accepts a token exactly at the limit', () => {
    const token = 'a'.repeat(64)
    expect(extractToken(request({ headers: { authorization: `Bearer ${token}` } }), headerOnly)?.token).toBe(
      token,
    )
  })

  describe('form body (RFC 6750 §2.2)', () => {
    const post = (body: unknown, contentType = FORM) =>
      request({ method: 'POST', headers: { 'content-type': contentType }, body })

    it('is ignored unless enabled', () => {
      expect(extractToken(post({ access_token: 'abc' }), headerOnly)).toBeUndefined()
    })
    it('is read when enabled, with a charset parameter too', () => {
      expect(extractToken(post({ access_token: 'abc' }, `${FORM}; charset=utf-8`), everywhere)).toEqual({
        token: 'abc',
        scheme: 'bearer',
        location: 'body',
      })
    })
    it('is ignored for JSON bodies and for GET', () => {
      expect(extractToken(post({ access_token: 'abc' }, 'application/json'), everywhere)).toBeUndefined()
      expect(
        extractToken(
          request({ method: 'GET', headers: { 'content-type': FORM }, body: { access_token: 'a' } }),
          everywhere,
        ),
      ).toBeUndefined()
    })
    it('refuses a repeated or non-string access_token', () => {
      expect(rejection(post({ access_token: ['a', 'b'] }), everywhere).reason).toBe('multiple_tokens')
      expect(rejection(post({ access_token: { a: 1 } }), everywhere).reason).toBe('malformed_request')
    })
  })

  describe('query (RFC 6750 §2.3)', () => {
    it('is ignored unless enabled', () => {
      expect(extractToken(request({ url: '/x?access_token=abc' }), headerOnly)).toBeUndefined()
    })
    it('is read from the URL when enabled', () => {
      expect(extractToken(request({ url: '/x?a=1&access_token=abc' }), everywhere)).toEqual({
        token: 'abc',
        scheme: 'bearer',
        location: 'query',
      })
    })
    it('prefers a parsed query when the framework gives one', () => {
      expect(extractToken(request({ url: '/x', query: { access_token: 'q' } }), everywhere)?.token).toBe('q')
    })
    it('refuses a repeated access_token parameter', () => {
      expect(rejection(request({ url: '/x?access_token=a&access_token=b' }), everywhere)).toMatchObject({
        status: 400,
        reason: 'multiple_tokens',
      })
    })
    it('checks a query token like any other', () => {
      expect(rejection(request({ url: '/x?access_token=a%22b' }), everywhere).reason).toBe(
        'malformed_request',
      )
    })
  })

  it.each([
    ['header and query', { headers: { authorization: 'Bearer a' }, url: '/?access_token=b' }],
    [
      'header and body',
      {
        method: 'POST',
        headers: { authorization: 'Bearer a', 'content-type': FORM },
        body: { access_token: 'b' },
      },
    ],
    [
      'body and query',
      {
        method: 'POST',
        headers: { 'content-type': FORM },
        body: { access_token: 'a' },
        url: '/?access_token=b',
      },
    ],
  ])('refuses two methods at once (%s) with 400', (_, parts) => {
    expect(rejection(request(parts as Partial<RequestLike>), everywhere)).toEqual({
      status: 400,
      code: 'invalid_request',
      reason: 'multiple_tokens',
    })
  })
})
