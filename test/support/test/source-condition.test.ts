// Tests and type checks run on the workspace's sources, not its builds: every export entry of every
// workspace package names its src/*.ts file under `@tokenguard/source`, and Jest resolves it there.
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'

const root = join(__dirname, '../../..')

interface Manifest {
  name: string
  exports?: Record<string, string | Record<string, unknown>>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
}

const workspace = ['packages', 'examples', 'test']
  .flatMap((group) => readdirSync(join(root, group)).map((folder) => join(root, group, folder)))
  .concat(join(root, 'bench'))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest }))

const entries = workspace.flatMap(({ dir, manifest }) =>
  Object.entries(manifest.exports ?? {})
    .filter((entry): entry is [string, Record<string, unknown>] => typeof entry[1] === 'object')
    .map(([subpath, conditions]) => ({ dir, name: manifest.name, subpath, conditions })),
)

/** A workspace package that depends on `name` (resolving it then goes through node_modules). */
function consumerOf(name: string): string | undefined {
  return workspace.find(({ manifest }) => ({ ...manifest.dependencies, ...manifest.devDependencies })[name])
    ?.dir
}

const specifier = (e: (typeof entries)[number]) => `${e.name}${e.subpath.slice(1)}`

it('covers every published package and every example', () => {
  expect(new Set(entries.map((e) => e.name)).size).toBeGreaterThanOrEqual(10)
})

describe.each(entries.map((e) => [specifier(e), e] as const))('%s', (_specifier, entry) => {
  it('names its source first, under @tokenguard/source, and the file exists', () => {
    // First: resolvers take the first condition that matches, so `import`/`require` must come after.
    expect(Object.keys(entry.conditions)[0]).toBe('@tokenguard/source')
    const source = entry.conditions['@tokenguard/source']
    expect(source).toMatch(/^\.\/src\/[\w-]+\.ts$/)
    expect(existsSync(join(entry.dir, source as string))).toBe(true)
  })
})

// Every entry another workspace package imports (an example nobody imports has nothing to resolve).
const consumed = entries.flatMap((e) => {
  const from = consumerOf(e.name)
  return from === undefined ? [] : [[specifier(e), e, from] as const]
})

it.each(consumed)('%s resolves to its source under Jest (no build needed)', (name, entry, from) => {
  const resolved = require.resolve(name, { paths: [from] })
  expect(realpathSync(resolved)).toBe(
    realpathSync(join(entry.dir, entry.conditions['@tokenguard/source'] as string)),
  )
})
