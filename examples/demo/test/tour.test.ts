// Runs the built tour exactly as `pnpm demo` does (plain node on dist/tour.js) and checks its verdict.
// turbo builds the demo before its tests (`test` depends on `build`); run `pnpm build` first otherwise.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'

const tour = path.join(__dirname, '..', 'dist', 'tour.js')

const STEPS = [
  'public route',
  'no token',
  'JWT, verified locally',
  'opaque, introspected',
  'opaque, from the cache',
  'hybrid takes a JWT',
  'hybrid takes an opaque',
  'missing scope',
  'sensitive, opaque',
  'opaque revoked at the AS',
  'sensitive, JWT',
  'JWT on the denylist',
  'denylisted JWT, normal route',
  'expired JWT',
  'tampered JWT',
]

test('the tour answers every step as expected and exits 0', () => {
  if (!existsSync(tour)) throw new Error(`${tour} is missing: build the demo first (pnpm build)`)
  const { status, stdout, stderr } = spawnSync(process.execPath, [tour], {
    encoding: 'utf8',
    timeout: 50_000,
    // The tour runs with the in-memory store here, whatever the environment says.
    env: { ...process.env, REDIS_URL: '' },
  })
  if (status !== 0) console.error(stdout, stderr)
  expect(status).toBe(0)
  for (const step of STEPS) expect(stdout).toContain(step)
  for (const framework of ['express', 'koa', 'fastify'])
    expect(stdout).toMatch(new RegExp(`\\b${framework}\\b.*\\b200 ok\\b`))
  expect(stdout).not.toContain('FAIL')
  expect(stdout).toMatch(/All \d+ steps answered as expected/)
  expect(stdout).toContain('WWW-Authenticate: Bearer realm=')
})
