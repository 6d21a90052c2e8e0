import { createHash } from 'node:crypto'
import { fingerprintOf, presentedFingerprint, tokenFingerprint } from '../../src/denylist/fingerprint'

// The fingerprints are stored in shared denylists: their values must never change across versions.
const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url')
const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt' })).toString('base64url')
const payload = Buffer.from(JSON.stringify({ sub: 'alice', jti: 'j1' })).toString('base64url')
const jws = `${header}.${payload}.c2lnbmF0dXJl`

describe('token fingerprints', () => {
  it('a JWS is fingerprinted by its signing input: another signature (a high-S twin) does not escape', () => {
    expect(tokenFingerprint(jws)).toBe(sha256(`${header}.${payload}`))
    expect(tokenFingerprint(`${header}.${payload}.b3RoZXI`)).toBe(tokenFingerprint(jws))
    expect(fingerprintOf(jws, true)).toBe(tokenFingerprint(jws))
  })

  it('an opaque token (or a two-dot string that is no JWS) is fingerprinted whole', () => {
    expect(tokenFingerprint('opaque-token-123')).toBe(sha256('opaque-token-123'))
    expect(tokenFingerprint('a.b.c')).toBe(sha256('a.b.c'))
    expect(fingerprintOf('a.b.c', false)).toBe(sha256('a.b.c'))
  })

  it('the presented fingerprint covers the whole string, signature included', () => {
    expect(presentedFingerprint(jws)).toBe(sha256(jws))
    expect(presentedFingerprint(`${header}.${payload}.b3RoZXI`)).not.toBe(presentedFingerprint(jws))
    expect(presentedFingerprint('opaque-token-123')).toBe(tokenFingerprint('opaque-token-123'))
  })

  it('non-ASCII input hashes as UTF-8, as before', () => {
    expect(presentedFingerprint('tökén')).toBe(sha256('tökén'))
  })
})
