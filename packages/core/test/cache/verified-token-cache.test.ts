import { VerifiedTokenCache } from '../../src/cache/verified-token-cache'
import { buildAuthContext } from '../../src/auth-context'

describe('VerifiedTokenCache', () => {
  const context = () => buildAuthContext('jwt', 'token', { exp: 100, sub: 'a', scope: 'x y' }, undefined)

  it('serves an entry until exp, then forgets it', () => {
    const cache = new VerifiedTokenCache(10, Infinity)
    cache.set('k', context(), 0)
    expect(cache.get('k', 'token', 99_999)).toMatchObject({ subject: 'a', scopes: ['x', 'y'] })
    expect(cache.get('k', 'token', 100_000)).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('forgets an entry older than the key set may be used (rotation behind our back)', () => {
    const cache = new VerifiedTokenCache(10, 5_000)
    cache.set('k', context(), 1_000)
    expect(cache.get('k', 'token', 5_999)).toBeDefined()
    expect(cache.get('k', 'token', 6_000)).toBeUndefined()
  })

  it('hands out deeply frozen contexts sharing one set of claims: a request cannot change them for another', () => {
    const cache = new VerifiedTokenCache(10, Infinity)
    cache.set('k', context(), 0)
    const first = cache.get('k', 'token', 0)!
    expect(() => (first.scopes as string[]).push('admin')).toThrow(TypeError)
    expect(() => {
      ;(first as { subject: string }).subject = 'mallory'
    }).toThrow(TypeError)
    expect(Object.isFrozen(first)).toBe(true)
    const second = cache.get('k', 'token', 0)!
    expect(second.claims).toBe(first.claims)
    expect(second.scopes).toBe(first.scopes)
    expect(second).toMatchObject({ subject: 'a', scopes: ['x', 'y'] })
    expect(Object.isFrozen(first.claims)).toBe(true)
  })

  it('keeps no raw token: a hit carries the token presented, not enumerable', () => {
    const cache = new VerifiedTokenCache(10, Infinity)
    cache.set('k', context(), 0)
    // The entry is found by key alone: what comes back is the string the caller presented now.
    const hit = cache.get('k', 'presented-now', 0)!
    expect(hit.token).toBe('presented-now')
    expect(Object.keys(hit)).not.toContain('token')
    expect(JSON.stringify(hit)).not.toContain('presented-now')
    expect({ ...hit }).not.toHaveProperty('token')
  })

  it('is bounded and clears', () => {
    const cache = new VerifiedTokenCache(2, Infinity)
    cache.set('a', context(), 0)
    cache.set('b', context(), 0)
    cache.set('c', context(), 0)
    expect(cache.size).toBe(2)
    expect(cache.get('a', 'token', 0)).toBeUndefined()
    cache.clear()
    expect(cache.size).toBe(0)
  })

  it('holds nothing when max is 0', () => {
    const cache = new VerifiedTokenCache(0, Infinity)
    cache.set('a', context(), 0)
    expect(cache.get('a', 'token', 0)).toBeUndefined()
  })
})
