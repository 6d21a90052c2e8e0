import { InvalidTokenError, UnavailableError } from '../../src/errors'
import { createBoundedKeySets } from '../../src/keys/bounded-key-sets'
import type { KeySet } from '../../src/keys/key-set'

// The slot logic alone, with key sets that answer as told (the HTTP side is in issuer-resolver.test.ts).
let clock = 0
const key = new Uint8Array([1])

interface FakeKeySet extends KeySet {
  answer: 'key' | 'outage' | 'unknown_key'
  closed: boolean
}

function fake(): FakeKeySet {
  const set: FakeKeySet = {
    answer: 'key',
    closed: false,
    getKey: async () => {
      if (set.answer === 'outage') throw new UnavailableError({ reason: 'keys_unavailable' })
      if (set.answer === 'unknown_key') throw new InvalidTokenError({ reason: 'unknown_key' })
      return key
    },
    ready: async () => {},
    onChange: () => {},
    close: () => void (set.closed = true),
  }
  return set
}

const header = { alg: 'RS256' }
const bounded = (max = 2) => createBoundedKeySets({ max, idleTtl: 60_000, cooldown: 5_000, now: () => clock })

beforeEach(() => {
  clock = 1_000_000
})

describe('bounded key sets', () => {
  it('creates one key set per key and hands the same one out again', async () => {
    const slots = bounded()
    const create = jest.fn(fake)
    const first = slots.acquire('a', create)
    expect(slots.acquire('a', create)).toBe(first)
    expect(create).toHaveBeenCalledTimes(1)
    await expect(first.getKey(header)).resolves.toBe(key)
  })

  it('refuses a new key with 503 issuer_limit when full, without creating anything', () => {
    const slots = bounded(2)
    slots.acquire('a', fake)
    clock += 20_000
    slots.acquire('b', fake)
    const create = jest.fn(fake)
    let thrown: unknown
    try {
      slots.acquire('c', create)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(UnavailableError)
    // Retry-After: when the least recently used slot (a, 40 s left) frees.
    expect(thrown).toMatchObject({ status: 503, reason: 'issuer_limit', retryAfter: 40 })
    expect(create).not.toHaveBeenCalled()
    expect(slots.size).toBe(2)
  })

  it('frees a slot idle for idleTtl; a request still holding that key set keeps verifying with it', async () => {
    const slots = bounded(1)
    const held = fake()
    const inFlight = slots.acquire('a', () => held)
    clock += 30_000
    slots.acquire('a', fake) // a use: the idle clock starts again
    clock += 59_000
    expect(() => slots.acquire('b', fake)).toThrow(UnavailableError)
    clock += 2_000
    slots.acquire('b', fake)
    expect(held.closed).toBe(true)
    // Closing a key set only drops its change listeners: its keys are still its keys, so an
    // eviction can refuse a token (a new slot fetches again) but never let one through.
    await expect(inFlight.getKey(header)).resolves.toBe(key)
    held.answer = 'unknown_key'
    await expect(inFlight.getKey(header)).rejects.toBeInstanceOf(InvalidTokenError)
  })

  it('a key set whose first load fails holds its slot only for the cooldown', async () => {
    const slots = bounded(1)
    const broken = fake()
    broken.answer = 'outage'
    await expect(slots.acquire('a', () => broken).getKey(header)).rejects.toBeInstanceOf(UnavailableError)
    clock += 4_000
    expect(() => slots.acquire('b', fake)).toThrow(UnavailableError)
    clock += 1_500
    await expect(slots.acquire('b', fake).getKey(header)).resolves.toBe(key)
  })

  it('once loaded, a later outage or a refused token keeps the full idle life', async () => {
    const slots = bounded(1)
    const set = fake()
    set.answer = 'unknown_key' // the set loaded: only this token's kid is unknown
    const acquired = slots.acquire('a', () => set)
    await expect(acquired.getKey(header)).rejects.toBeInstanceOf(InvalidTokenError)
    set.answer = 'outage'
    await expect(acquired.getKey(header)).rejects.toBeInstanceOf(UnavailableError)
    clock += 30_000
    expect(() => slots.acquire('b', fake)).toThrow(UnavailableError)
  })

  it('a first load that fails and then succeeds gets back the full idle life', async () => {
    const slots = bounded(1)
    const set = fake()
    set.answer = 'outage'
    const acquired = slots.acquire('a', () => set)
    await expect(acquired.getKey(header)).rejects.toBeInstanceOf(UnavailableError)
    set.answer = 'key'
    await expect(acquired.getKey(header)).resolves.toBe(key)
    clock += 30_000
    expect(() => slots.acquire('b', fake)).toThrow(UnavailableError)
  })

  it('passes knownKey through only once the set has loaded through getKey', async () => {
    const slots = bounded(1)
    const set: KeySet = { ...fake(), knownKey: () => key }
    const acquired = slots.acquire('a', () => set)
    // Before the first load the slot's life is still being settled by getKey.
    expect(acquired.knownKey?.(header)).toBeUndefined()
    await acquired.getKey(header)
    expect(acquired.knownKey?.(header)).toBe(key)
    const plain = bounded(1).acquire('b', fake)
    await plain.getKey(header)
    expect(plain.knownKey?.(header)).toBeUndefined()
  })

  it('close empties every slot and closes the key sets', () => {
    const slots = bounded(2)
    const set = fake()
    slots.acquire('a', () => set)
    slots.close()
    expect(set.closed).toBe(true)
    expect(slots.size).toBe(0)
  })
})
