import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export interface PackagingSuite {
  /** The adapter's folder under packages/ (`express`, `koa`, `fastify`). */
  adapter: string
  /** Exports that must be functions through both `require` and `import`. */
  exports: string[]
  /** Peer dependencies the consumer app installs itself (linked from the adapter's own node_modules). */
  peers?: string[]
}

/**
 * Loads a built adapter the way a user's app does: from a folder outside the workspace, once
 * through CommonJS `require` and once through ESM `import` (the `exports` map picks the file).
 * Returns `run(args)`, node in that folder, for package-specific checks.
 */
export function describePackaging({ adapter, exports, peers = [] }: PackagingSuite): {
  run: (args: string[]) => string
} {
  const packages = resolve(__dirname, '../../../packages')
  const name = `@tokenguard/${adapter}`
  let app = ''

  beforeAll(() => {
    if (!existsSync(join(packages, adapter, 'dist/index.cjs'))) {
      throw new Error('build the packages first: `npx -y pnpm@10 build` (turbo runs it before `test`)')
    }
    app = mkdtempSync(join(tmpdir(), 'tokenguard-consumer-'))
    mkdirSync(join(app, 'node_modules/@tokenguard'), { recursive: true })
    for (const local of ['core', adapter]) {
      symlinkSync(join(packages, local), join(app, 'node_modules/@tokenguard', local))
    }
    for (const peer of peers)
      symlinkSync(join(packages, adapter, 'node_modules', peer), join(app, 'node_modules', peer))
  })
  afterAll(() => rmSync(app, { recursive: true, force: true }))

  const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: app, encoding: 'utf8' }).trim()
  const probe = exports.map((name) => `typeof m[${JSON.stringify(name)}]`).join(" + ' ' + ")
  const allFunctions = exports.map(() => 'function').join(' ')

  it('works through require() from CommonJS', () => {
    expect(run(['-e', `const m = require('${name}'); console.log(${probe})`])).toBe(allFunctions)
  })

  it('works through import from ESM', () => {
    expect(run(['--input-type=module', '-e', `import * as m from '${name}'; console.log(${probe})`])).toBe(
      allFunctions,
    )
  })

  it('validates a token end to end from the CommonJS build', () => {
    const script = `
      const { createValidator } = require('${name}')
      const v = createValidator({ issuer: 'https://i.test/', audience: 'a', jwt: { algorithms: ['RS256'], jwks: { keys: [] } } })
      v.authenticate({ method: 'GET', headers: { authorization: 'Bearer x.y.z' } })
        .catch((e) => console.log(e.status, e.code))`
    expect(run(['-e', script])).toBe('401 invalid_token')
  })

  return { run: (args) => run(args) }
}
