import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

// A function, not a constant: the demo bundles this package as ESM, where `__dirname` only exists
// inside CommonJS (Jest), so nothing may read it when the module loads.
const repoRoot = () => resolve(__dirname, '../../..')

/** A published package as the registry would receive it: `pnpm pack` output, unpacked beside it. */
export interface PackedPackage {
  name: string
  /** Its folder in the workspace. */
  source: string
  tarball: string
  /** The unpacked tarball (the `package/` folder). */
  contents: string
  manifest: Record<string, unknown> & { name: string; version: string }
}

/** npx, so that any pnpm 10 works (corepack cannot download it everywhere). */
export function pnpm(args: string[], cwd: string): string {
  return execFileSync('npx', ['-y', 'pnpm@10', ...args], { cwd, encoding: 'utf8', stdio: 'pipe' })
}

/** Every non-private package under packages/, packed (workspace ranges rewritten, hooks applied). */
export function packPublished(destination: string): PackedPackage[] {
  // One recursive pack: a single pnpm start instead of one per package (pnpm skips private ones).
  const root = repoRoot()
  pnpm(['-r', '--filter', './packages/*', 'pack', '--pack-destination', destination], root)
  const packed: PackedPackage[] = []
  for (const folder of readdirSync(join(root, 'packages'))) {
    const source = join(root, 'packages', folder)
    const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as {
      name: string
      version: string
      private?: boolean
    }
    if (manifest.private) continue
    const file = `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`
    const out = join(destination, folder)
    mkdirSync(out, { recursive: true })
    execFileSync('tar', ['-xzf', join(destination, file), '-C', out])
    const contents = join(out, 'package')
    packed.push({
      name: manifest.name,
      source,
      tarball: join(destination, file),
      contents,
      manifest: JSON.parse(readFileSync(join(contents, 'package.json'), 'utf8')),
    })
  }
  return packed
}

/** Paths of every file in an unpacked package, relative to it. */
export function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name
    return entry.isDirectory() ? listFiles(dir, path) : [path]
  })
}

/** Node binaries the consumer apps run on: `PACKAGING_NODES` (space-separated paths), else this one. */
export function nodeBinaries(): string[] {
  const list = (process.env.PACKAGING_NODES ?? '').split(' ').filter(Boolean)
  return list.length > 0 ? list : [process.execPath]
}

/** One framework version a fresh project installs (its own `@types` included). */
export interface FrameworkVersion {
  label: string
  dependencies: Record<string, string>
}

// Each setup a user's project may have. `check` runs tsc; `run` is what node executes afterwards.
const TSCONFIGS: Record<string, object> = {
  // ESM (.mts) and CommonJS (.cts) files in one program, emitted for the run.
  node16: { module: 'node16', moduleResolution: 'node16', outDir: 'out', files: ['esm.mts', 'cjs.cts'] },
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext', noEmit: true, files: ['esm.mts', 'cjs.cts'] },
  bundler: { module: 'preserve', moduleResolution: 'bundler', noEmit: true, files: ['esm.mts'] },
}

/** A fresh project outside the workspace with the packed tarballs and one framework version installed. */
export function createConsumer(
  packed: PackedPackage[],
  fixtures: string,
  version: FrameworkVersion,
  packages: string[],
): string {
  const app = mkdtempSync(join(tmpdir(), `tokenguard-consumer-${version.label}-`))
  const tarball = (name: string) => `file:${packed.find((p) => p.name === name)!.tarball}`
  const dependencies: Record<string, string> = { '@types/node': '^20.19.0', ...version.dependencies }
  for (const name of packages) dependencies[name] = tarball(name)
  const manifest = {
    name: `consumer-${version.label}`,
    private: true,
    dependencies,
    // The tarballs depend on each other by version: resolve those to the tarballs, not the registry.
    pnpm: { overrides: Object.fromEntries(packed.map((p) => [p.name, tarball(p.name)])) },
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2))
  cpSync(fixtures, app, { recursive: true })
  for (const [name, { files, ...compilerOptions }] of Object.entries(TSCONFIGS) as [
    string,
    { files: string[] },
  ][]) {
    const options = {
      target: 'ES2022',
      lib: ['ES2023', 'DOM'],
      types: ['node'],
      strict: true,
      esModuleInterop: true,
      skipLibCheck: false,
      ...compilerOptions,
    }
    writeFileSync(join(app, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: options, files }))
  }
  // The store makes this a link step for everything already fetched once.
  pnpm(['install', '--prefer-offline', '--reporter=silent', '--config.strict-peer-dependencies=false'], app)
  return app
}

export function removeConsumer(app: string): void {
  rmSync(app, { recursive: true, force: true })
}

/** tsc from the workspace on the consumer's own tsconfig: its errors as text, '' when clean. */
export function typeCheck(app: string, setup: string): string {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [process.cwd()] })
  try {
    execFileSync(process.execPath, [tsc, '-p', `tsconfig.${setup}.json`], { cwd: app, encoding: 'utf8' })
    return ''
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error)
  }
}

/** Runs one of the consumer's entry files on a given node and parses the JSON line it prints. */
export function runConsumer(app: string, node: string, file: string): unknown {
  const out = execFileSync(node, [file], { cwd: app, encoding: 'utf8', timeout: 20_000 })
  return JSON.parse(out.trim().split('\n').pop()!)
}

export const setups = Object.keys(TSCONFIGS)

/** Node's major version of a binary (for test names). */
export function nodeVersion(node: string): string {
  return execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()
}

/** A shared folder for the tarballs of one Jest run (created by globalSetup, named in the env). */
export function packedFromEnv(): PackedPackage[] {
  const dir = process.env.TOKENGUARD_PACKED
  if (!dir) throw new Error('TOKENGUARD_PACKED is unset: run through the packaging Jest config')
  return JSON.parse(readFileSync(join(dir, 'packed.json'), 'utf8')) as PackedPackage[]
}

export function packToEnv(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tokenguard-packed-'))
  writeFileSync(join(dir, 'packed.json'), JSON.stringify(packPublished(dir)))
  process.env.TOKENGUARD_PACKED = dir
  return dir
}

/**
 * The consumer matrix for one framework: per version a fresh project with the packed tarballs,
 * type-checked under every setup (lib checks on), then each entry file (ESM TypeScript, TypeScript
 * compiled to CommonJS, plain CommonJS) serving a real request on every node binary.
 */
export function describeConsumers(options: {
  fixtures: string
  versions: FrameworkVersion[]
  packages: string[]
}): void {
  const expected = {
    ok: 200,
    body: { subject: 'alice' },
    none: 401,
    challenge: expect.stringMatching(/^Bearer realm="/) as unknown,
  }
  const nodes = nodeBinaries().map((node) => ({ node, version: nodeVersion(node) }))
  for (const version of options.versions) {
    describe(version.label, () => {
      let app = ''
      beforeAll(() => {
        app = createConsumer(packedFromEnv(), options.fixtures, version, options.packages)
      })
      afterAll(() => removeConsumer(app))

      for (const setup of setups) {
        it(`type-checks with moduleResolution ${setup} and skipLibCheck off`, () => {
          expect(typeCheck(app, setup)).toBe('')
        })
      }
      for (const { node, version: nodeName } of nodes) {
        for (const [entry, file] of [
          ['ESM TypeScript', 'out/esm.mjs'],
          ['TypeScript compiled to CommonJS', 'out/cjs.cjs'],
          ['plain CommonJS', 'plain.cjs'],
        ]) {
          it(`serves a request from ${entry} on node ${nodeName}`, () => {
            expect(runConsumer(app, node, file!)).toEqual(expected)
          })
        }
      }
    })
  }
}
