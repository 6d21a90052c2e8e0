import { MemoryStore } from '../../src/store/memory-store'
import { createAnswerCache, sharedAnswerKey, type SharedCache } from '../../src/introspection/answer-cache'

// The local tier alone, on a test clock: expiry is the entry's own `expiresAt`, checked on read.
const clock = 1_700_000_000_000
const cache = (cacheMax = 10, sharedCache: SharedCache | undefined = undefined, scope = 'scope-a') =>
  createAnswerCache({
    scope,
    cacheMax,
    cacheMaxAgeMs: 300_000,
    inactiveCacheMaxAgeMs: 10_000,
    defaultCacheMaxAgeMs: 60_000,
    now: () => clock,
    sharedCache,
    emit: () => {},
  })

describe('answer cache (local tier)', () => {
  it('serves an answer until its expiry and never at or after it', () => {
    const answers = cache()
    const response = { active: true, exp: clock / 1000 + 20 }
    answers.store('k', { response, fetchedAt: clock }, false)
    const expiresAt = clock + 20_000
    expect(answers.get('k', expiresAt - 1, Infinity)?.response).toBe(response)
    expect(answers.get('k', expiresAt, Infinity)).toBeUndefined()
    expect(answers.get('k', expiresAt + 60_000, Infinity)).toBeUndefined()
  })

  it('keeps no answer that is already expired when stored, and stays bounded by cacheMax', () => {
    const answers = cache(2)
    answers.store('old', { response: { active: true, exp: clock / 1000 - 1 }, fetchedAt: clock }, false)
    expect(answers.get('old', clock - 5_000, Infinity)).toBeUndefined()
    for (const key of ['a', 'b', 'c'])
      answers.store(key, { response: { active: true }, fetchedAt: clock }, false)
    expect(answers.get('a', clock, Infinity)).toBeUndefined()
    expect(answers.get('b', clock, Infinity)).toBeDefined()
    expect(answers.get('c', clock, Infinity)).toBeDefined()
  })

  it('an inactive answer lives inactiveCacheMaxAge', () => {
    const answers = cache()
    answers.store('dead', { response: { active: false }, fetchedAt: clock }, false)
    expect(answers.get('dead', clock + 9_999, Infinity)?.response).toEqual({ active: false })
    expect(answers.get('dead', clock + 10_000, Infinity)).toBeUndefined()
  })
})

describe('answer cache (shared tier)', () => {
  it("keys a shared answer by the token's fingerprint alone and serves it only to the same scope", async () => {
    const store = new MemoryStore({ now: () => clock })
    const writer = cache(10, store, 'scope-a')
    writer.store('fingerprint-1', { response: { active: true }, fetchedAt: clock }, true)
    await new Promise((resolve) => setImmediate(resolve))
    expect(await store.get(sharedAnswerKey('fingerprint-1'))).toContain('"scope":"scope-a"')
    expect((await cache(10, store, 'scope-a').readShared('fingerprint-1'))?.response).toEqual({
      active: true,
    })
    expect(await cache(10, store, 'scope-b').readShared('fingerprint-1')).toBeUndefined()
  })

  it('a delete by fingerprint clears the shared answer whichever scope wrote it', async () => {
    const store = new MemoryStore({ now: () => clock })
    cache(10, store, 'scope-a').store('fingerprint-1', { response: { active: true }, fetchedAt: clock }, true)
    await new Promise((resolve) => setImmediate(resolve))
    cache(10, store, 'scope-b').delete('fingerprint-1')
    await new Promise((resolve) => setImmediate(resolve))
    expect(await store.get(sharedAnswerKey('fingerprint-1'))).toBeUndefined()
  })
})
