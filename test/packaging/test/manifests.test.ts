import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { listFiles, packedFromEnv, type PackedPackage } from '@tokenguard/test-support/src/packaging'

const root = join(__dirname, '../../..')
const packed = packedFromEnv()

// Every private package of the workspace: none may be named by what a user installs.
const privateNames = ['packages', 'test', 'examples']
  .flatMap((group) =>
    listFiles(join(root, group))
      .filter((f) => /^[^/]+\/package\.json$/.test(f))
      .map((f) => join(root, group, f)),
  )
  .concat(join(root, 'bench/package.json'))
  .map((file) => JSON.parse(readFileSync(file, 'utf8')) as { name: string; private?: boolean })
  .filter((manifest) => manifest.private)
  .map((manifest) => manifest.name)

const attw = join(require.resolve('@arethetypeswrong/cli/package.json'), '../dist/index.js')
const publintCli = join(require.resolve('publint'), '../cli.js')

/** Runs a linter's CLI with this node: its exit status and everything it printed. */
function lint(cli: string, args: string[]): { status: number; report: string } {
  try {
    return { status: 0, report: execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8' }) }
  } catch (error) {
    const { status, stdout, stderr } = error as { status: number; stdout?: string; stderr?: string }
    return { status, report: `${stdout ?? ''}${stderr ?? ''}` }
  }
}

it('packs every published package', () => {
  expect(packed.map((p) => p.name).sort()).toEqual([
    '@tokenguard/core',
    '@tokenguard/express',
    '@tokenguard/fastify',
    '@tokenguard/koa',
    '@tokenguard/redis',
    '@tokenguard/testing',
  ])
  expect(privateNames).toContain('@tokenguard/test-support')
})

describe.each(packed.map((p) => [p.name, p] as [string, PackedPackage]))('%s', (_name, pkg) => {
  const files = listFiles(pkg.contents)

  it('ships the LICENSE, the README and the build', () => {
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js']))
    expect(readFileSync(join(pkg.contents, 'LICENSE'), 'utf8')).toMatch(/^MIT License/)
    expect(files.filter((f) => f.startsWith('src/') || f.includes('.test.'))).toEqual([])
  })

  it('names its license, repository folder, homepage and issue tracker', () => {
    const folder = relative(root, pkg.source)
    expect(pkg.manifest).toMatchObject({
      license: 'MIT',
      repository: { type: 'git', url: 'git+https://github.com/tokenguard/tokenguard.git', directory: folder },
      homepage: `https://github.com/tokenguard/tokenguard/tree/main/${folder}#readme`,
      bugs: { url: 'https://github.com/tokenguard/tokenguard/issues' },
    })
  })

  it('names no private workspace package and no workspace range, and carries no devDependencies', () => {
    expect(pkg.manifest.devDependencies).toBeUndefined()
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      const deps = (pkg.manifest[field] ?? {}) as Record<string, string>
      expect(Object.keys(deps).filter((name) => privateNames.includes(name))).toEqual([])
      expect(Object.values(deps).filter((range) => range.startsWith('workspace:'))).toEqual([])
    }
  })

  it('carries no development export condition and points at no source file', () => {
    // The workspace resolves `@tokenguard/source` to src/*.ts; a user installs no src/.
    const manifest = JSON.stringify(pkg.manifest)
    expect(manifest).not.toContain('@tokenguard/source')
    expect(manifest).not.toMatch(/\.\/src\/|"src\//)
  })

  it('has README links that work on the registry (absolute, or to a file it ships)', () => {
    const readme = readFileSync(join(pkg.contents, 'README.md'), 'utf8')
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!)
    const broken = targets.filter((target) => {
      if (/^(https?:|mailto:|#)/.test(target)) return false
      if (target.startsWith('..')) return true
      return !existsSync(join(pkg.contents, target.split('#')[0]!))
    })
    expect(broken).toEqual([])
  })

  it('mentions no internal issue number in any shipped file (sources in the maps included)', () => {
    const hits = files
      .filter((f) => /\.(m?c?js|d\.c?ts|map|md|json)$/.test(f))
      .filter((f) => /\bissues? #?\d+\b/i.test(readFileSync(join(pkg.contents, f), 'utf8')))
    expect(hits).toEqual([])
  })

  it('passes publint --strict on the tarball', () => {
    expect(lint(publintCli, ['run', pkg.tarball, '--strict'])).toEqual({
      status: 0,
      report: expect.stringContaining('All good!'),
    })
  })

  it('passes are-the-types-wrong on the tarball (every entry point, every resolution mode)', () => {
    // The pnpm tarball rather than `attw --pack` (npm pack): the exact file the registry receives.
    const result = lint(attw, [pkg.tarball, '--format', 'table-flipped', '--no-color'])
    expect(result).toEqual({ status: 0, report: expect.stringContaining('No problems found') })
  })
})
