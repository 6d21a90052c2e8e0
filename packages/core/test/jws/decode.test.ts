import { classifyToken, decodeJws, isCanonicalBase64url } from '../../src/jws/decode'
import { InvalidTokenError } from '../../src/errors'

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const header = b64({ alg: 'RS256', typ: 'at+jwt' })
const payload = b64({ iss: 'https://issuer.test/', sub: 'u' })

describe('isCanonicalBase64url', () => {
  it.each([
    ['', false],
    ['A', false],
    ['AA', true], // 2 chars: the low 4 bits of the last must be 0, and 'A' is 0
    ['AQ', true],
    ['AR', false],
    ['AAE', true],
    ['AAF', false],
    ['AAAA', true],
    ['AA==', false],
    ['A+/A', false],
    ['A A', false],
    ['-_-_', true],
  ])('%j → %s', (segment, expected) => {
    expect(isCanonicalBase64url(segment)).toBe(expected)
  })

  it('rejects the sibling encoding of a real signature byte string', () => {
    const canonical = Buffer.from([0xff]).toString('base64url') // "_w"
    expect(isCanonicalBase64url(canonical)).toBe(true)
    expect(isCanonicalBase64url('_x')).toBe(false)
    expect(Buffer.from('_x', 'base64url')).toEqual(Buffer.from([0xff])) // Node would accept it
  })
})

describe('classifyToken', () => {
  it.each([
    [`${header}.${payload}.sig`, 'jws'],
    [`${header}.${payload}.`, 'jws'],
    ['a.b.c.d.e', 'jwe'],
    ['opaque-token_123', 'opaque'],
    ['one.two', 'opaque'],
    [`${b64({ no: 'alg' })}.${payload}.sig`, 'opaque'],
    [`${b64([1, 2])}.${payload}.sig`, 'opaque'],
    ['not-json.b.c', 'opaque'],
  ])('%s is %s', (token, shape) => {
    expect(classifyToken(token)).toBe(shape)
  })
})

describe('decodeJws', () => {
  it('returns header and payload', () => {
    expect(decodeJws(`${header}.${payload}.AQ`)).toEqual({
      header: { alg: 'RS256', typ: 'at+jwt' },
      payload: { iss: 'https://issuer.test/', sub: 'u' },
      signingInput: `${header}.${payload}`,
      signature: Buffer.from([1]),
    })
  })
  it.each([
    ['an empty signature', `${header}.${payload}.`],
    ['padding', `${header}=.${payload}.AQ`],
    ['a non-canonical signature', `${header}.${payload}.AR`],
    ['four segments', `${header}.${payload}.AQ.AQ`],
    ['a payload that is not JSON', `${header}.${Buffer.from('nope').toString('base64url')}.AQ`],
    ['a payload that is an array', `${header}.${b64([1])}.AQ`],
    ['a payload that is null', `${header}.${b64(null)}.AQ`],
  ])('rejects %s as malformed', (_, token) => {
    expect(() => decodeJws(token)).toThrow(InvalidTokenError)
    try {
      decodeJws(token)
    } catch (error) {
      expect((error as InvalidTokenError).reason).toBe('malformed_token')
    }
  })
  it('rejects a five-part token as encrypted', () => {
    expect(() => decodeJws('a.b.c.d.e')).toThrow(
      expect.objectContaining({ reason: 'encrypted_token', status: 401 }),
    )
  })
})

describe('decodeJws: UTF-8 (RFC 7515 §2, RFC 8259 §8.1)', () => {
  const raw = (bytes: Buffer) => bytes.toString('base64url')
  const inString = (bad: number[]) =>
    raw(Buffer.concat([Buffer.from('{"sub":"a'), Buffer.from(bad), Buffer.from('b"}')]))

  it.each([
    ['0xFF', [0xff]],
    ['an overlong "/"', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
  ])('refuses %s in the payload as malformed_token', (_, bad) => {
    expect(() => decodeJws(`${header}.${inString(bad)}.AA`)).toThrow(
      expect.objectContaining({ reason: 'malformed_token' }),
    )
  })

  it('refuses invalid UTF-8 in the header, so the token is not even JWS-shaped', () => {
    const badHeader = raw(
      Buffer.concat([Buffer.from('{"alg":"RS256","x":"'), Buffer.from([0xff]), Buffer.from('"}')]),
    )
    expect(classifyToken(`${badHeader}.${payload}.AA`)).toBe('opaque')
    expect(() => decodeJws(`${badHeader}.${payload}.AA`)).toThrow(InvalidTokenError)
  })

  it.each(['"\\ud800"', '"\\uDFFF"', '"\\ude00\\ud83d"'])('refuses the lone surrogate escape %s', (value) => {
    const segment = raw(Buffer.from(`{"sub":${value}}`))
    expect(() => decodeJws(`${header}.${segment}.AA`)).toThrow(InvalidTokenError)
  })

  it('refuses a lone surrogate escape in a member name', () => {
    expect(() => decodeJws(`${header}.${raw(Buffer.from('{"\\ud800":1}'))}.AA`)).toThrow(InvalidTokenError)
  })

  it('reads multi-byte UTF-8 and an escaped surrogate pair', () => {
    const segment = raw(Buffer.from('{"a":"é€😀","b":"\\ud83d\\ude00","c":"\\\\ud800"}'))
    expect(decodeJws(`${header}.${segment}.AA`).payload).toEqual({ a: 'é€😀', b: '😀', c: '\\ud800' })
  })
})
