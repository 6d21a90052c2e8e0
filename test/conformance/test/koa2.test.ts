import { readFileSync } from 'node:fs'
import { runConformanceSuite } from '../src/suite'
import { koa2Harness } from '../src/harnesses/koa'

// The peer range promises Koa 2 as well as 3: the same suite on the older major.
runConformanceSuite(koa2Harness)

it('is wired to Koa 2', () => {
  expect(JSON.parse(readFileSync(require.resolve('koa2/package.json'), 'utf8')).version).toMatch(/^2\./)
})
