import { missingScopes, parseScopes } from '../src/scopes'
import { buildAuthContext } from '../src/auth-context'

describe('parseScopes', () => {
  it.each([
    [{ scope: 'a b  c' }, undefined, ['a', 'b', 'c']],
    [{ scope: ['a', 'b', 3, ''] }, undefined, ['a', 'b']],
    [{ scp: 'x y' }, undefined, ['x', 'y']],
    [{ scp: ['x'] }, undefined, ['x']],
    [{ scope: 'a', scp: 'b' }, undefined, ['a']],
    [{ permissions: ['read:x'], scope: 'a' }, 'permissions', ['read:x']],
    [{ scope: 'a' }, 'permissions', []],
    [{}, undefined, []],
    [{ scope: 42 }, undefined, []],
  ])('%j with claim %s → %j', (claims, claim, expected) => {
    expect(parseScopes(claims as never, claim)).toEqual(expected)
  })
})

describe('missingScopes', () => {
  it('lists what is not granted', () => {
    expect(missingScopes(['a', 'b'], ['a', 'c', 'd'])).toEqual(['c', 'd'])
    expect(missingScopes(['a'], ['a'])).toEqual([])
  })
})

describe('buildAuthContext', () => {
  it('maps the registered claims and the cnf binding', () => {
    const claims = {
      iss: 'https://i/',
      sub: 's',
      client_id: 'c',
      exp: 10,
      jti: 'j',
      scope: 'a b',
      cnf: { jkt: 'thumb' },
    }
    const context = buildAuthContext('jwt', 'tok', claims, undefined)
    expect(context.token).toBe('tok')
    expect(JSON.stringify(context)).not.toContain('tok')
    expect(context).toEqual({
      strategy: 'jwt',
      claims,
      scopes: ['a', 'b'],
      roles: [],
      subject: 's',
      clientId: 'c',
      issuer: 'https://i/',
      expiresAt: 10,
      jti: 'j',
      binding: { type: 'dpop', thumbprint: 'thumb', jkt: 'thumb', x5tS256: undefined },
    })
  })
  it('reads an mTLS binding, both bindings at once, and ignores ill-typed registered claims', () => {
    const context = buildAuthContext('opaque', 't', { sub: 1, cnf: { 'x5t#S256': 'x' } } as never, undefined)
    expect(context.binding).toEqual({ type: 'mtls', thumbprint: 'x', jkt: undefined, x5tS256: 'x' })
    expect(context.subject).toBeUndefined()
    const both = buildAuthContext('jwt', 't', { cnf: { jkt: 'k', 'x5t#S256': 'x' } }, undefined)
    expect(both.binding).toEqual({ type: 'dpop', thumbprint: 'k', jkt: 'k', x5tS256: 'x' })
  })

  it.each<[string, unknown, string]>([
    ['a string', 'no', 'invalid_claim'],
    ['a number', 1, 'invalid_claim'],
    ['null', null, 'invalid_claim'],
    ['a list', [{ jkt: 'k' }], 'invalid_claim'],
    ['jkt a number', { jkt: 123 }, 'invalid_claim'],
    ['x5t#S256 a number', { 'x5t#S256': 123 }, 'invalid_claim'],
    ['jkt empty', { jkt: '' }, 'invalid_claim'],
    ['x5t#S256 empty beside a good jkt', { jkt: 'k', 'x5t#S256': '' }, 'invalid_claim'],
    ['jkt a list', { jkt: ['k'] }, 'invalid_claim'],
    ['an empty object', {}, 'unsupported_binding'],
    ['a jwk we cannot check (RFC 7800 §3.2)', { jwk: { kty: 'EC' } }, 'unsupported_binding'],
    ['an unknown method beside jkt', { jkt: 'k', kid: 'x' }, 'unsupported_binding'],
  ])('refuses a cnf that is %s (a bound token never turns bearer)', (_name, cnf, reason) => {
    expect(() => buildAuthContext('jwt', 't', { cnf }, undefined)).toThrow(
      expect.objectContaining({ status: 401, code: 'invalid_token', reason }),
    )
  })
})
