import { runStoreSuite } from '../../../../test/support/src/store-suite'
import { MemoryStore, ReplayCapacityError } from '../../src/store/memory-store'

runStoreSuite(
  'MemoryStore',
  async () => {
    let clock = 0
    const store = new MemoryStore({ now: () => clock })
    return { stores: [store, store], now: { set: (ms) => void (clock = ms) }, cleanup: () => store.close() }
  },
  { replayKeys: 12_000 },
)

describe('MemoryStore specifics', () => {
  let clock = 1_700_000_000_000
  const now = () => clock

  test('two MemoryStores do not share anything', async () => {
    const one = new MemoryStore({ now })
    const two = new MemoryStore({ now })
    await one.set('k', 'v', 1000)
    await one.addDenylistEntry({ kind: 'jti', key: 'j', expiresAt: clock / 1000 + 60 })
    expect(await two.get('k')).toBeUndefined()
    expect(await two.listDenylist(clock / 1000)).toStrictEqual([])
  })

  test('max bounds the cache: the least recently used value goes first', async () => {
    const store = new MemoryStore({ now, max: 2 })
    await store.set('a', '1', 60_000)
    await store.set('b', '2', 60_000)
    expect(await store.get('a')).toBe('1')
    await store.set('c', '3', 60_000)
    expect(await store.get('b')).toBeUndefined()
    expect(await store.get('a')).toBe('1')
    expect(await store.get('c')).toBe('3')
  })

  test('an add prunes expired entries by the store clock; returned entries are copies', async () => {
    const store = new MemoryStore({ now })
    const t = clock / 1000
    await store.addDenylistEntry({ kind: 'jti', key: 'old', expiresAt: t + 10 })
    clock += 20_000
    await store.addDenylistEntry({ kind: 'jti', key: 'new', expiresAt: t + 100 })
    // listDenylist at an earlier time still does not bring back what the add pruned.
    const listed = await store.listDenylist(t)
    expect(listed).toStrictEqual([{ kind: 'jti', key: 'new', expiresAt: t + 100 }])
    listed[0]!.key = 'mutated'
    expect((await store.listDenylist(t))[0]!.key).toBe('new')
  })

  test('the replay set is not the cache: a full cache LRU never evicts a live proof id', async () => {
    const store = new MemoryStore({ now, max: 10 })
    expect(await store.addIfAbsent('dpop:captured', 60_000)).toBe(true)
    for (let i = 0; i < 500; i++) await store.set(`cache-${i}`, 'v', 60_000)
    for (let i = 0; i < 500; i++) await store.addIfAbsent(`dpop:other-${i}`, 60_000)
    expect(await store.addIfAbsent('dpop:captured', 60_000)).toBe(false)
    expect(await store.get('cache-0')).toBeUndefined() // the cache stays bounded by its own max
  })

  test('a full replay set refuses (rejects) instead of forgetting; room comes back as ids expire', async () => {
    const store = new MemoryStore({ now, maxReplayEntries: 3 })
    for (const key of ['p1', 'p2', 'p3']) expect(await store.addIfAbsent(key, 1000)).toBe(true)
    await expect(store.addIfAbsent('p4', 1000)).rejects.toThrow(ReplayCapacityError)
    expect(await store.addIfAbsent('p1', 1000)).toBe(false) // a replay is still a replay, not an error
    clock += 1000
    expect(await store.addIfAbsent('p4', 1000)).toBe(true)
    expect(await store.addIfAbsent('p1', 1000)).toBe(true)
  })

  test.each([0, -1, 1.5, Number.NaN])('maxReplayEntries %p is a TypeError', (maxReplayEntries) => {
    expect(() => new MemoryStore({ maxReplayEntries })).toThrow(
      new TypeError('MemoryStore: `maxReplayEntries` must be a positive integer'),
    )
  })

  test('20,000 denylist adds prune in expiry order, not by scanning everything each time', async () => {
    const store = new MemoryStore({ now })
    const t = clock / 1000
    const started = performance.now()
    for (let i = 0; i < 20_000; i++) {
      await store.addDenylistEntry({ kind: 'jti', key: `k${i}`, expiresAt: t + 1 + (i % 100) })
      if (i % 1000 === 999) clock += 1000
    }
    // A full scan per add took about 4 s here; in expiry order it is about 0.1 s.
    expect(performance.now() - started).toBeLessThan(1500)
    const live = await store.listDenylist(clock / 1000)
    expect(live.length).toBeGreaterThan(0)
    expect(live.every((entry) => entry.expiresAt > clock / 1000)).toBe(true)
  })
})
