import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

// Loads the built packages the way a user's app does: from a folder outside the workspace, once
// through CommonJS `require` and once through ESM `import` (the `exports` map picks the file).
const packages = resolve(__dirname, '../..')
let app: string

beforeAll(() => {
  if (!existsSync(join(packages, 'express/dist/index.cjs'))) {
    throw new Error('build the packages first: `npx -y pnpm@10 build` (turbo runs it before `test`)')
  }
  app = mkdtempSync(join(tmpdir(), 'tokenguard-consumer-'))
  mkdirSync(join(app, 'node_modules/@tokenguard'), { recursive: true })
  for (const name of ['core', 'express'])
    symlinkSync(join(packages, name), join(app, 'node_modules/@tokenguard', name))
})

afterAll(() => rmSync(app, { recursive: true, force: true }))

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: app, encoding: 'utf8' }).trim()
}

const probe = `typeof m.requireToken + ' ' + typeof m.requireScopes + ' ' + typeof m.createValidator + ' ' + typeof m.TokenError`

it('works through require() from CommonJS', () => {
  expect(run(['-e', `const m = require('@tokenguard/express'); console.log(${probe})`])).toBe(
    'function function function function',
  )
})

it('works through import from ESM', () => {
  expect(
    run(['--input-type=module', '-e', `import * as m from '@tokenguard/express'; console.log(${probe})`]),
  ).toBe('function function function function')
})

it('validates a token end to end from the CommonJS build', () => {
  const script = `
    const { createValidator } = require('@tokenguard/express')
    const v = createValidator({ issuer: 'https://i.test/', audience: 'a', jwt: { algorithms: ['RS256'], jwks: { keys: [] } } })
    v.authenticate({ method: 'GET', headers: { authorization: 'Bearer x.y.z' } })
      .catch((e) => console.log(e.status, e.code))`
  expect(run(['-e', script])).toBe('401 invalid_token')
})
