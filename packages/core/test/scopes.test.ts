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
    expect(buildAuthContext('jwt', 'tok', claims, undefined)).toEqual({
      strategy: 'jwt',
      token: 'tok',
      claims,
      scopes: ['a', 'b'],
      roles: [],
      subject: 's',
      clientId: 'c',
      issuer: 'https://i/',
      expiresAt: 10,
      jti: 'j',
      binding: { type: 'dpop', thumbprint: 'thumb' },
    })
  })
  it('reads an mTLS binding and ignores ill-typed claims', () => {
    const context = buildAuthContext('opaque', 't', { sub: 1, cnf: { 'x5t#S256': 'x' } } as never, undefined)
    expect(context.binding).toEqual({ type: 'mtls', thumbprint: 'x' })
    expect(context.subject).toBeUndefined()
    expect(buildAuthContext('opaque', 't', { cnf: 'no' }, undefined).binding).toBeUndefined()
  })
})
