// The memory table of a run: one row, in bytes, per cache and per denylist size measured.
// @ts-expect-error: a plain ES module of the bench, without types
import { memoryRows, renderMemory } from '../lib/report.mjs'

const micro = { cacheEntryBytes: { RS256: 704.4, ES256: 719 }, memoryEntries: 999 }
const growth = {
  curves: [
    {
      title: 'Denylist, MemoryStore: cost by number of entries',
      header: ['entries', 'sensitive µs/req', 'plain route µs/req', 'store B/entry', 'mirror B/entry'],
      rows: [
        [1000, 2.1, 1.7, 436, 405],
        [10000, 2.2, 1.9, 230, 200],
      ],
    },
    {
      title: 'Denylist, RedisStore: cost by number of entries',
      header: ['entries', 'sensitive µs/req', 'plain route µs/req', 'store B/entry', 'mirror B/entry'],
      rows: [[1000, 2.2, 1.9, NaN, 349]],
    },
    {
      title: 'Introspection cache: cost by number of cached answers',
      header: ['entries', 'hit µs/req', 'heap B/entry', 'fill calls/s', 'RSS MB'],
      rows: [[10000, 6.2, 671, 1661, 135]],
    },
    {
      title: 'Issuers: cost by number of trusted issuers (resolver, a key set each)',
      header: [
        'issuers',
        'first token p50 ms',
        'first token p99 ms',
        'cached µs/verify',
        'new token µs/verify',
        'heap B/issuer',
      ],
      // Fewer than 100 issuers are below the noise of a heap reading: NaN, no row.
      rows: [
        [1, 4.1, 4.1, 1.2, 145, NaN],
        [100, 1.6, 6.3, 1.4, 145, 8164],
      ],
    },
  ],
}

describe('memory per entry', () => {
  it('has a row in bytes for the verified-token cache, the introspection cache, the mirrors and the issuers', () => {
    expect(memoryRows(micro, growth)).toEqual([
      ['verified-token cache', 'RS256 tokens, 999 entries', 704.4],
      ['verified-token cache', 'ES256 tokens, 999 entries', 719],
      ['introspection cache', '10,000 entries', 671],
      ['denylist mirror (MemoryStore)', '1,000 entries', 405],
      ['denylist mirror (MemoryStore)', '10,000 entries', 200],
      ['MemoryStore denylist entries', '1,000 entries', 436],
      ['MemoryStore denylist entries', '10,000 entries', 230],
      // Redis keeps its entries itself: no in-process store row, only the mirror's.
      ['denylist mirror (RedisStore)', '1,000 entries', 349],
      ['trusted issuer (resolver, key set, one cached token)', '100 issuers', 8164],
    ])
    expect(renderMemory(micro, growth)).toContain(
      '| verified-token cache | RS256 tokens, 999 entries | 704 |',
    )
  })

  it('prints nothing when neither part ran', () => {
    expect(memoryRows(undefined, undefined)).toEqual([])
    expect(renderMemory(undefined, { curves: [] })).toBe('')
  })
})
