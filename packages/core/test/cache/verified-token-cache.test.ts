import { VerifiedTokenCache } from '../../src/cache/verified-token-cache'

describe('VerifiedTokenCache', () => {
  const claims = () => ({ exp: 100, sub: 'a' })

  it('serves an entry until exp, then forgets it', () => {
    const cache = new VerifiedTokenCache(10, Infinity)
    cache.set('k', claims(), 0)
    expect(cache.get('k', 99_999)).toEqual({ exp: 100, sub: 'a' })
    expect(cache.get('k', 100_000)).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('forgets an entry older than the key set may be used (rotation behind our back)', () => {
    const cache = new VerifiedTokenCache(10, 5_000)
    cache.set('k', claims(), 1_000)
    expect(cache.get('k', 5_999)).toBeDefined()
    expect(cache.get('k', 6_000)).toBeUndefined()
  })

  it('freezes claims, is bounded, and clears', () => {
    const cache = new VerifiedTokenCache(2, Infinity)
    cache.set('a', claims(), 0)
    cache.set('b', claims(), 0)
    cache.set('c', claims(), 0)
    expect(cache.size).toBe(2)
    expect(cache.get('a', 0)).toBeUndefined()
    expect(Object.isFrozen(cache.get('c', 0))).toBe(true)
    cache.clear()
    expect(cache.size).toBe(0)
  })

  it('holds nothing when max is 0', () => {
    const cache = new VerifiedTokenCache(0, Infinity)
    cache.set('a', claims(), 0)
    expect(cache.get('a', 0)).toBeUndefined()
  })
})
