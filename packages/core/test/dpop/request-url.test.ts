import { normalizeUri, requestUri } from '../../src/dpop/request-url'
import { TokenError } from '../../src/errors'

describe('normalizeUri (RFC 3986 §6.2.2, §6.2.3)', () => {
  it.each([
    ['HTTPS://API.Example/x', 'https://api.example/x'],
    ['https://api.example:443/x', 'https://api.example/x'],
    ['http://api.example:80/x', 'http://api.example/x'],
    ['https://api.example', 'https://api.example/'],
    ['https://api.example/a/./b/../c', 'https://api.example/a/c'],
    ['https://api.example/%7euser', 'https://api.example/~user'],
    ['https://api.example/%41%62%2D%2e%5F', 'https://api.example/Ab-._'],
    ['https://api.example/a%2fb', 'https://api.example/a%2Fb'],
    ['https://api.example/caf%c3%a9', 'https://api.example/caf%C3%A9'],
    ['https://api.example/café', 'https://api.example/caf%C3%A9'],
    ['https://api.example/x?q=1#f', 'https://api.example/x'],
  ])('%s → %s', (uri, expected) => {
    expect(normalizeUri(uri)).toBe(expected)
  })

  it.each([
    '/x',
    'api.example/x',
    'ftp://api.example/x',
    'https://u@api.example/x',
    'https://u:p@api.example/',
  ])('refuses %s', (uri) => {
    expect(normalizeUri(uri)).toBeUndefined()
  })
})

describe('requestUri', () => {
  const origin = { origin: 'https://api.example', allowedHosts: undefined, trustProxy: false }
  const hosts = { origin: undefined, allowedHosts: ['api.example'], trustProxy: false }
  const uri = (url: string, options: Parameters<typeof requestUri>[1], host = 'api.example') =>
    requestUri({ method: 'GET', url, headers: { host } }, options)
  const refusal = (run: () => unknown) => {
    try {
      run()
    } catch (error) {
      return (error as TokenError).code
    }
    return 'accepted'
  }

  it('builds the URI of an origin-form target from the origin', () => {
    expect(uri('/r/%7Eu?x=1', origin)).toBe('https://api.example/r/~u')
  })

  it('takes the path of an absolute-form target for the origin host only (RFC 9112 §3.2.2)', () => {
    expect(uri('https://API.example:443/r?x', origin)).toBe('https://api.example/r')
    expect(uri('http://api.example/r', origin)).toBe('https://api.example/r')
    expect(refusal(() => uri('https://other.example/r', origin))).toBe('invalid_dpop_proof')
    expect(refusal(() => uri('https://u@api.example/r', origin))).toBe('invalid_dpop_proof')
  })

  it('without an origin, an absolute-form target replaces the Host header, and is checked', () => {
    expect(uri('https://api.example/r', hosts, 'elsewhere')).toBe('https://api.example/r')
    expect(refusal(() => uri('https://elsewhere/r', hosts, 'api.example'))).toBe('invalid_dpop_proof')
    expect(uri('/r', hosts)).toBe('http://api.example/r')
  })
})
