import { readFileSync } from 'node:fs'
import { runConformanceSuite } from '../src/suite'
import { express4Harness } from '../src/harnesses/express'

// The peer range promises Express 4 as well as 5: the same suite on the older major.
runConformanceSuite(express4Harness)

it('is wired to Express 4', () => {
  expect(JSON.parse(readFileSync(require.resolve('express4/package.json'), 'utf8')).version).toMatch(/^4\./)
})
