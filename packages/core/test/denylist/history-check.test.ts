import { HistoryCheck } from '../../src/denylist/history-check'
import { MirrorEntries } from '../../src/denylist/mirror-entries'
import type { DenylistEntry } from '../../src/store/store'

const NOW = 1_700_000_000
const entry = (key: string, expiresAt = NOW + 600): DenylistEntry => ({ kind: 'jti', key, expiresAt })
const at = (seq: number, epoch = 'e1') => ({ seq, epoch })

function setup(...held: DenylistEntry[]) {
  const mirror = new MirrorEntries()
  for (const e of held) mirror.remember(e)
  return { mirror, history: new HistoryCheck(mirror) }
}

describe('HistoryCheck', () => {
  test('one add per position; another add at a position already seen means a discarded history', () => {
    const { history } = setup()
    expect(history.delivered(entry('a'), at(1))).toBe(true)
    expect(history.delivered(entry('a'), at(1))).toBe(true) // a duplicate delivery is fine
    expect(history.delivered(entry('b'), at(1))).toBe(false)
    expect(history.delivered(entry('b'), at(1, 'e2'))).toBe(true) // another epoch, another history
  })

  test('an own add is settled by its feed message, whichever comes first', () => {
    const { history } = setup()
    expect(history.acknowledged(entry('a'), at(1), 3)).toBe(true)
    expect(history.missingBefore(4)).toBe(true)
    history.delivered(entry('a'), at(1))
    expect(history.missingBefore(4)).toBe(false)
    history.delivered(entry('b'), at(2))
    expect(history.acknowledged(entry('b'), at(2), 5)).toBe(true)
    expect(history.missingBefore(99)).toBe(false)
  })

  test('an own add contradicted by the feed at its position', () => {
    const { history } = setup()
    history.acknowledged(entry('mine'), at(7), 1)
    expect(history.delivered(entry('theirs'), at(7))).toBe(false)
    history.delivered(entry('other'), at(8))
    expect(history.acknowledged(entry('late'), at(8), 2)).toBe(false)
  })

  test('only a heartbeat sent after the add resolved can miss it', () => {
    const { history } = setup()
    history.acknowledged(entry('a'), at(1), 3)
    expect(history.missingBefore(3)).toBe(false)
    expect(history.missingBefore(4)).toBe(true)
    history.restored()
    expect(history.missingBefore(4)).toBe(false)
  })

  test.each([
    ['another epoch', { epoch: 'e2', seq: 5, entries: [entry('a')] }, true],
    ['less history than seen', { epoch: 'e1', seq: 4, entries: [entry('a')] }, true],
    ['a live entry missing', { epoch: 'e1', seq: 5, entries: [] }, true],
    ['everything there', { epoch: 'e1', seq: 6, entries: [entry('a')] }, false],
  ])('a snapshot with %s: lost = %p', (_, snapshot, lost) => {
    const { history } = setup(entry('a'))
    expect(history.lostFrom(snapshot, at(5), NOW * 1000, [])).toBe(lost)
  })

  test('entries that may postdate the snapshot, or are about to expire, are not counted as lost', () => {
    const { history } = setup(entry('arrived'), entry('mine'), entry('expiring', NOW + 2))
    history.acknowledged(entry('mine'), at(6), 0)
    const snapshot = { epoch: 'e1', seq: 5, entries: [] }
    expect(history.lostFrom(snapshot, at(5), NOW * 1000, [{ id: 'jti:arrived' }])).toBe(false)
    history.loaded({ epoch: 'e1', seq: 6, entries: [entry('mine')] })
    expect(history.missingBefore(99)).toBe(false)
  })
})
