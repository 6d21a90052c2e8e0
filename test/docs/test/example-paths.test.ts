import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { REPO_ROOT } from '../src/extract'

// An example's README tells the reader to `cd` into a folder: it must be that example's own.
const examples = readdirSync(path.join(REPO_ROOT, 'examples')).filter((dir) =>
  statSync(path.join(REPO_ROOT, 'examples', dir)).isDirectory(),
)

test.each(examples)('examples/%s/README.md changes into its own folder', (dir) => {
  const readme = readFileSync(path.join(REPO_ROOT, 'examples', dir, 'README.md'), 'utf8')
  const targets = [...readme.matchAll(/^\s*cd (examples\/\S+)/gm)].map((m) => m[1])
  expect(targets.filter((target) => target !== `examples/${dir}`)).toEqual([])
})
