import { rmSync } from 'node:fs'
import path from 'node:path'
import { checkDocs, formatDiagnostic, type DocCheckResult } from '../src/check'
import {
  collectBlocks,
  GENERATED_DIR,
  isChecked,
  isTypeScript,
  moduleSource,
  parseBlocks,
  HEADER_LINES,
} from '../src/extract'

/**
 * The `ts check` blocks each doc holds (at least), and how many TypeScript blocks it may leave
 * unchecked: only deliberately partial fragments, named here. A new README with a TypeScript example
 * must contribute at least one checked block; a new unchecked TypeScript block fails until it is
 * marked `ts check` or listed here.
 */
const EXPECTED: Record<string, { checked: number; unchecked?: number }> = {
  'README.md': { checked: 1 },
  'docs/migrating-from-express-jwt.md': { checked: 1 },
  'docs/migrating-from-express-oauth2-jwt-bearer.md': { checked: 2 },
  'docs/migrating-from-fastify-jwt.md': { checked: 1 },
  'docs/migrating-from-koa-jwt.md': { checked: 2 },
  'docs/troubleshooting.md': { checked: 2 },
  // Unchecked: the revoke()/revokeSubject() call shapes, with `jti`, `iss`, `exp` left free; the
  // TokenguardTypes declaration (it would retype every block of this one program; each adapter's
  // test-d/augmented checks it).
  'packages/core/README.md': { checked: 2, unchecked: 2 },
  // Unchecked: readiness and SET-receiver mounting, Express, Koa and Fastify side by side (one `app` each).
  'packages/core/docs/operations.md': { checked: 2, unchecked: 2 },
  'packages/core/docs/profiles/README.md': { checked: 2 },
  ...Object.fromEntries(
    ['rfc9068', 'auth0', 'okta', 'entra', 'keycloak', 'cognito', 'hydra', 'zitadel'].map((name) => [
      `packages/core/docs/profiles/${name}.md`,
      { checked: 1 },
    ]),
  ),
  'packages/express/README.md': { checked: 4 },
  'packages/fastify/README.md': { checked: 3 },
  'packages/koa/README.md': { checked: 4 },
  'packages/redis/README.md': { checked: 1 },
  'packages/testing/README.md': { checked: 4 },
}
const EXPECTED_TOTAL = Object.values(EXPECTED).reduce((sum, { checked }) => sum + checked, 0)

let result: DocCheckResult

beforeAll(() => {
  result = checkDocs()
})

// The generated modules stay for inspection (`npx tsc -p test/docs/.generated`) only when something
// failed, or with DOCS_CHECK_KEEP=1: left behind, they would be linted and formatted with the repository.
afterAll(() => {
  if (result?.diagnostics.length === 0 && !process.env.DOCS_CHECK_KEEP) {
    rmSync(GENERATED_DIR, { recursive: true, force: true })
  }
})

test("every `ts check` block type-checks against the packages' sources", () => {
  // Each entry: markdown file:line:column, the TypeScript error code and message.
  expect(result.diagnostics.map(formatDiagnostic)).toEqual([])
})

test(`at least ${EXPECTED_TOTAL} blocks are checked, and every README with a TypeScript example contributes`, () => {
  const perFile = new Map<string, { checked: number; unchecked: number }>()
  for (const block of result.blocks.filter(isTypeScript)) {
    const counts = perFile.get(block.file) ?? { checked: 0, unchecked: 0 }
    counts[isChecked(block) ? 'checked' : 'unchecked'] += 1
    perFile.set(block.file, counts)
  }
  for (const [file, counts] of perFile) {
    expect({ file, checked: counts.checked >= 1 }).toEqual({ file, checked: true })
    expect({ file, unchecked: counts.unchecked }).toEqual({ file, unchecked: EXPECTED[file]?.unchecked ?? 0 })
  }
  for (const [file, { checked }] of Object.entries(EXPECTED)) {
    expect({ file, checked: (perFile.get(file)?.checked ?? 0) >= checked }).toEqual({ file, checked: true })
  }
  expect(result.checked.length).toBeGreaterThanOrEqual(EXPECTED_TOTAL)
  expect(result.checked.length).toBe(result.blocks.filter(isChecked).length)
})

describe('the extractor', () => {
  const markdown = [
    '# Title', //                                      1
    '', //                                             2
    '```ts check', //                                  3
    "const a: string = 'a'", //                        4
    '```', //                                          5
    'Inline ```ts check``` is not a fence.', //        6
    '  ~~~~ typescript check', //                      7
    '  const b = 1', //                                8
    '  ~~~ (too short, still code)', //                9
    '  ~~~~', //                                       10
    '```sh', //                                        11
    'echo ```', //                                     12
    '```', //                                          13
    '````ts', //                                       14
    '```', //                                          15
    '````', //                                         16
  ].join('\n')

  test('finds fences, their info strings and the line of each', () => {
    const blocks = parseBlocks(markdown, 'x.md')
    expect(blocks.map(({ fenceLine, lang, flags, lines }) => ({ fenceLine, lang, flags, lines }))).toEqual([
      { fenceLine: 3, lang: 'ts', flags: ['check'], lines: ["const a: string = 'a'"] },
      {
        fenceLine: 7,
        lang: 'typescript',
        flags: ['check'],
        lines: ['const b = 1', '~~~ (too short, still code)'],
      },
      { fenceLine: 11, lang: 'sh', flags: [], lines: ['echo ```'] },
      { fenceLine: 14, lang: 'ts', flags: [], lines: ['```'] },
    ])
    expect(blocks.map(isChecked)).toEqual([true, true, false, false])
  })

  test('refuses an unclosed fence', () => {
    expect(() => parseBlocks('```ts check\nconst a = 1\n', 'x.md')).toThrow('x.md:1: code block never closed')
  })

  test('wraps a block as a module of its own, code after a fixed header', () => {
    const [block] = parseBlocks(markdown, 'x.md')
    const source = moduleSource(block!).split('\n')
    expect(source[HEADER_LINES]).toBe("const a: string = 'a'")
    expect(source).toContain('export {}')
  })

  test('reads every doc the check covers', () => {
    const files = new Set(collectBlocks().map((block) => block.file))
    for (const file of Object.keys(EXPECTED)) expect(files).toContain(file)
  })
})

test('a wrong block is reported at its markdown line, and the prelude covers only what it declares', () => {
  const markdown = [
    'Some prose.',
    '',
    '```ts check',
    "import { createValidator } from '@tokenguard/core'",
    '',
    "const v = createValidator({ issuer: 'https://i.example', audience: 'a', jwt: { algorithms: ['RS256'] } })",
    "await v.revoke({ jti: 'j', iss: 'https://i.example', exp: 'tomorrow' })",
    "await tokens.revokeSubject('user-42')",
    'notDeclaredAnywhere()',
    '```',
  ].join('\n')
  const blocks = parseBlocks(markdown, 'fixture.md')
  const outDir = path.join(GENERATED_DIR, 'fixture')
  let result: DocCheckResult
  try {
    result = checkDocs({ blocks, outDir })
  } finally {
    rmSync(outDir, { recursive: true, force: true })
  }
  const { checked, diagnostics } = result
  expect(checked).toHaveLength(1)
  expect(diagnostics.map(({ file, line, code }) => ({ file, line, code }))).toEqual([
    { file: 'fixture.md', line: 7, code: 2322 }, // exp: a string where a number is expected
    { file: 'fixture.md', line: 9, code: 2304 }, // cannot find name
  ])
})
