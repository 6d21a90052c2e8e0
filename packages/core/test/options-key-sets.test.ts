import { exportJWK, generateKeyPair } from 'jose'
import { resolveOptions, type ValidatorOptions } from '../src/options'
import { createSetReceiver } from '../src/set-receiver/index.js'
import { createValidator } from '../src/validator.js'
import { fakeValidator } from './set-receiver/fixture.js'

/**
 * Key set options are checked where they enter (options/), at construction: the key set modules
 * trust what they are given, so a key set built lazily (per issuer, on its first token) can never
 * meet a bad option on a request.
 */

const base: ValidatorOptions = {
  issuer: 'https://issuer.test/',
  audience: 'https://api.test',
  jwt: { algorithms: ['ES256'] },
}
const withJwt = (jwt: object) => ({ ...base, jwt: { algorithms: ['ES256'], ...jwt } }) as ValidatorOptions

let publicJwk: Record<string, unknown>
let privateJwk: Record<string, unknown>

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
  publicJwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }
  privateJwk = { ...(await exportJWK(privateKey)), kid: 'k2' }
})

describe('jwt.jwks is checked at construction', () => {
  it.each<[string, () => unknown, RegExp]>([
    ['an array', () => [], /jwt\.jwks` must be a JWK set/],
    ['an object without keys', () => ({}), /jwt\.jwks` must be a JWK set/],
    ['keys that is not an array', () => ({ keys: {} }), /jwt\.jwks` must be a JWK set/],
    ['a member that is not an object', () => ({ keys: ['x'] }), /jwt\.jwks\.keys\[0\] is not a JSON object/],
    ['a member without kty', () => ({ keys: [{ n: 'x' }] }), /jwt\.jwks\.keys\[0\] has no "kty"/],
    [
      'a symmetric key',
      () => ({ keys: [publicJwk, { kty: 'oct', k: 'c2VjcmV0' }] }),
      /jwt\.jwks\.keys\[1\] is a symmetric key/,
    ],
    [
      'a private key',
      () => ({ keys: [publicJwk, privateJwk] }),
      /jwt\.jwks\.keys\[1\] contains private key material/,
    ],
    [
      'a non-string kid',
      () => ({ keys: [{ ...publicJwk, kid: 7 }] }),
      /jwt\.jwks\.keys\[0\] has a non-string "kid"/,
    ],
  ])('refuses %s with a TypeError naming it', (_, jwks, message) => {
    const options = withJwt({ jwks: jwks() })
    expect(() => resolveOptions(options)).toThrow(TypeError)
    expect(() => resolveOptions(options)).toThrow(message)
  })

  it('accepts a set of public keys', () => {
    expect(resolveOptions(withJwt({ jwks: { keys: [publicJwk] } })).jwt?.jwks?.keys).toEqual([publicJwk])
  })
})

describe('jwt.keySet is checked at construction, also when key sets are built per issuer later', () => {
  it.each<[string, unknown]>([
    ['cacheMaxAge', 0],
    ['cacheMaxAge', -1],
    ['cooldown', Number.NaN],
    ['cooldown', -1],
    ['staleIfError', 'long'],
    ['timeout', 0],
    ['maxResponseBytes', 0],
    ['maxResponseBytes', Infinity],
  ])('refuses jwt.keySet.%s = %p with a TypeError naming it', (name, value) => {
    // No jwksUri: the key sets come from each issuer's metadata, on its first token.
    const options = withJwt({ keySet: { [name]: value } })
    expect(() => createValidator(options)).toThrow(TypeError)
    expect(() => createValidator(options)).toThrow(new RegExp(`\`jwt\\.keySet\\.${name}\``))
  })

  it('resolves every duration to milliseconds', () => {
    const resolved = resolveOptions(
      withJwt({
        keySet: { cacheMaxAge: 60, cooldown: 0, staleIfError: 0, timeout: 500, maxResponseBytes: 1024 },
      }),
    )
    expect(resolved.jwt?.keySet).toEqual({
      cacheMaxAgeMs: 60_000,
      cooldownMs: 0,
      staleIfErrorMs: 0,
      timeoutMs: 500,
      maxResponseBytes: 1024,
      maxKeys: 100,
    })
  })
})

describe('createSetReceiver checks its transmitter at construction', () => {
  const build = (transmitter: object) => () =>
    createSetReceiver({
      validator: fakeValidator(),
      transmitter: { issuer: 'https://tx.test/', ...transmitter },
      audience: 'https://receiver.test/',
    } as never)

  it.each<[string, () => object, RegExp]>([
    [
      'an ftp jwksUri',
      () => ({ jwksUri: 'ftp://tx.test/jwks' }),
      /`transmitter\.jwksUri` must be an http\(s\) URL/,
    ],
    [
      'a jwksUri that is no string',
      () => ({ jwksUri: 42 }),
      /`transmitter\.jwksUri` must be an http\(s\) URL/,
    ],
    [
      'a private key',
      () => ({ jwks: { keys: [privateJwk] } }),
      /transmitter\.jwks\.keys\[0\] contains private/,
    ],
    ['a jwks without keys', () => ({ jwks: {} }), /transmitter\.jwks` must be a JWK set/],
    ['HS256', () => ({ jwks: { keys: [publicJwk] }, algorithms: ['HS256'] }), /`transmitter\.algorithms`/],
    ['alg none', () => ({ jwks: { keys: [publicJwk] }, algorithms: ['none'] }), /`transmitter\.algorithms`/],
    ['no algorithms', () => ({ jwks: { keys: [publicJwk] }, algorithms: [] }), /`transmitter\.algorithms`/],
  ])('refuses %s with a TypeError naming it', (_, transmitter, message) => {
    expect(build(transmitter())).toThrow(TypeError)
    expect(build(transmitter())).toThrow(message)
  })

  it('accepts an https key set URL and asymmetric algorithms', () => {
    expect(build({ jwksUri: 'https://tx.test/jwks', algorithms: ['ES256'] })).not.toThrow()
  })
})

describe('jwt.secret with an issuer resolver', () => {
  it('is refused where the options are resolved, before any key set exists', () => {
    const options = {
      ...base,
      issuer: { resolve: () => undefined },
      jwt: { algorithms: ['HS256'], secret: 'x'.repeat(32) },
    } as ValidatorOptions
    expect(() => resolveOptions(options)).toThrow(TypeError)
    expect(() => resolveOptions(options)).toThrow('`jwt.secret` cannot be used with an issuer resolver')
  })
})
