import { formatChallenge, sanitizeParam, sanitizeScope } from '../src/challenge'
import {
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  MissingTokenError,
  UnavailableError,
} from '../src/errors'

describe('formatChallenge', () => {
  it('lists the parameters in order and leaves undefined ones out', () => {
    expect(formatChallenge('Bearer', { realm: 'api', error: 'invalid_token', scope: undefined })).toBe(
      'Bearer realm="api", error="invalid_token"',
    )
  })
  it('is the bare scheme without parameters', () => {
    expect(formatChallenge('Bearer', {})).toBe('Bearer')
  })
  it.each([
    ['a quote', 'say "hi"', 'say hi'],
    ['a backslash', 'a\\b', 'ab'],
    ['CR and LF', 'a\r\nWWW-Authenticate: evil', 'aWWW-Authenticate: evil'],
    ['non-ASCII', 'café ☕', 'caf '],
    ['control characters', 'a\u0000\u0007b', 'ab'],
  ])('drops %s from a description', (_, input, output) => {
    expect(sanitizeParam(input)).toBe(output)
    expect(formatChallenge('Bearer', { error_description: input })).toBe(
      `Bearer error_description="${output}"`,
    )
  })
  it('keeps scope tokens and drops characters RFC 6749 §3.3 forbids', () => {
    expect(sanitizeScope(['items:read', 'a"b', 'c\\d', '', 'x y'])).toBe('items:read ab cd xy')
  })
})

describe('TokenError family', () => {
  it.each([
    [new InvalidRequestError({ reason: 'multiple_tokens' }), 400, 'invalid_request'],
    [new InvalidTokenError({ reason: 'expired' }), 401, 'invalid_token'],
    [new InsufficientScopeError({ scope: ['a', 'b'] }), 403, 'insufficient_scope'],
  ])('%p carries status %i and code %s in header and body', (error, status, code) => {
    error.realm = 'api'
    expect(error.status).toBe(status)
    expect(error.code).toBe(code)
    expect(error.headers['WWW-Authenticate']).toMatch(
      new RegExp(`^Bearer realm="api", error="${code}", error_description="[^"]+"`),
    )
    expect(error.body).toEqual({ error: code, error_description: error.description })
  })

  it('names the required scopes in the 403 challenge', () => {
    const error = new InsufficientScopeError({ scope: ['items:read', 'items:write'] })
    error.realm = 'api'
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token lacks a required scope", scope="items:read items:write"',
    )
  })

  it('answers a missing token with no error code (RFC 6750 §3.1)', () => {
    const error = new MissingTokenError()
    error.realm = 'api'
    expect(error.status).toBe(401)
    expect(error.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="api"' })
    expect(error.body.error).toBe('unauthorized')
  })

  it('answers an outage with 503 and Retry-After, no challenge', () => {
    const error = new UnavailableError({ reason: 'keys_unavailable', retryAfter: 7 })
    expect(error.status).toBe(503)
    expect(error.headers).toEqual({ 'Retry-After': '7' })
    expect(error.body.error).toBe('temporarily_unavailable')
    expect(new UnavailableError({ reason: 'keys_unavailable' }).headers).toEqual({ 'Retry-After': '5' })
  })

  it('keeps the reason out of what clients see', () => {
    const error = new InvalidTokenError({ reason: 'bad_signature' })
    expect(JSON.stringify(error.body)).not.toContain('signature')
    expect(error.headers['WWW-Authenticate']).not.toContain('signature')
    expect(error.reason).toBe('bad_signature')
  })

  it('uses the DPoP scheme when set and adds extra parameters', () => {
    const error = new InvalidTokenError({ reason: 'expired', params: { algs: 'ES256' } })
    error.scheme = 'DPoP'
    expect(error.headers['WWW-Authenticate']).toMatch(/^DPoP error="invalid_token", .*algs="ES256"$/)
  })
})
