import { runStoreSuite } from '../../../../test/support/src/store-suite'
import { MemoryStore } from '../../src/store/memory-store'

runStoreSuite('MemoryStore', async () => {
  let clock = 0
  const store = new MemoryStore({ now: () => clock })
  return { stores: [store, store], now: { set: (ms) => void (clock = ms) }, cleanup: () => store.close() }
})

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
})
