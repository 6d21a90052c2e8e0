import { VerifiedTokenCache } from '../../src/cache/verified-token-cache'
import { buildAuthContext } from '../../src/auth-context'

describe('VerifiedTokenCache', () => {
  const context = () => buildAuthContext('jwt', 'token', { exp: 100, sub: 'a', scope: 'x y' }, undefined)

  it('serves an entry until exp, then forgets it', () => {
    const cache = new VerifiedTokenCache(10, Infinity)
    cache.set('k', context(), 0)
    expect(cache.get('k', 99_999)).toMatchObject({ subject: 'a', scopes: ['x', 'y'] })
    expect(cache.get('k', 100_000)).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('forgets an entry older than the key set may be used (rotation behind our back)', () => {
    const cache = new VerifiedTokenCache(10, 5_000)
    cache.set('k', context(), 1_000)
    expect(cache.get('k', 5_999)).toBeDefined()
    expect(cache.get('k', 6_000)).toBeUndefined()
  })

  it('hands out one deeply frozen context: a request cannot change it for another', () => {
    const cache = new VerifiedTokenCache(10, Infinity)
    cache.set('k', context(), 0)
    const first = cache.get('k', 0)!
    expect(() => (first.scopes as string[]).push('admin')).toThrow(TypeError)
    expect(() => {
      ;(first as { subject: string }).subject = 'mallory'
    }).toThrow(TypeError)
    expect(cache.get('k', 0)).toBe(first)
    expect(cache.get('k', 0)).toMatchObject({ subject: 'a', scopes: ['x', 'y'] })
    expect(Object.isFrozen(first.claims)).toBe(true)
  })

  it('is bounded and clears', () => {
    const cache = new VerifiedTokenCache(2, Infinity)
    cache.set('a', context(), 0)
    cache.set('b', context(), 0)
    cache.set('c', context(), 0)
    expect(cache.size).toBe(2)
    expect(cache.get('a', 0)).toBeUndefined()
    cache.clear()
    expect(cache.size).toBe(0)
  })

  it('holds nothing when max is 0', () => {
    const cache = new VerifiedTokenCache(0, Infinity)
    cache.set('a', context(), 0)
    expect(cache.get('a', 0)).toBeUndefined()
  })
})
