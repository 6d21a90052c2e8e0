import { readFileSync } from 'node:fs'
import path from 'node:path'
import { REPO_ROOT } from '../src/extract'
import { isPath, missingPaths, tableRows } from '../src/table-paths'

// The core README's "to add …, touch …" table: every file, folder and package export it names exists.
const readme = readFileSync(path.join(REPO_ROOT, 'packages/core/README.md'), 'utf8')
const rows = tableRows(readme, 'Inside the core')
const CORE_SRC = ['packages/core/src']

describe('the core README "Inside the core" table', () => {
  it('has a row for each thing a contributor adds', () => {
    expect(rows.map((row) => row.label)).toEqual(
      expect.arrayContaining([
        'a strategy',
        'a JWS format',
        'a validator option',
        'a store',
        'a denylist feed',
        'an adapter',
      ]),
    )
  })

  it.each(rows.map((row) => [row.label, row.spans] as const))(
    '"%s" names only files, folders and exports that exist',
    (_, spans) => {
      expect(spans.filter((span) => isPath(span) || span.startsWith('@tokenguard/')).length).toBeGreaterThan(
        0,
      )
      expect(missingPaths(spans, CORE_SRC)).toEqual([])
    },
  )
})

describe('the table check itself', () => {
  it('reports a file, a folder and an export that do not exist, and not identifiers', () => {
    expect(
      missingPaths(
        [
          'strategies/jwt.ts',
          'strategies/<name>.ts',
          'packages/<framework>/src/index.ts',
          'test/conformance/src/harnesses/',
          '@tokenguard/testing/store-suite',
          'strategies/nowhere.ts',
          'options/jwt.ts/',
          '@tokenguard/testing/nowhere',
          'TokenStrategy',
        ],
        CORE_SRC,
      ),
    ).toEqual(['strategies/nowhere.ts', 'options/jwt.ts/', '@tokenguard/testing/nowhere'])
  })
})
