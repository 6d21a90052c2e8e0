import { createAnswerCache } from '../../src/introspection/answer-cache'

// The local tier alone, on a test clock: expiry is the entry's own `expiresAt`, checked on read.
const clock = 1_700_000_000_000
const cache = (cacheMax = 10) =>
  createAnswerCache({
    cacheMax,
    cacheMaxAgeMs: 300_000,
    inactiveCacheMaxAgeMs: 10_000,
    defaultCacheMaxAgeMs: 60_000,
    now: () => clock,
    sharedCache: undefined,
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
