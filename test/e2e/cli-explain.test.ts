import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'

// The built `tokenguard explain` command (the bin of @tokenguard/core), spawned as a user runs it,
// against the loopback authorization server of @tokenguard/testing over real HTTP.
const CLI = join(dirname(require.resolve('@tokenguard/core/package.json')), 'dist', 'cli.js')
const AUDIENCE = 'https://api.example.test'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function run(
  args: string[],
  { stdin, env }: { stdin?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(stdin ?? '')
  })
}

let issuer: TestIssuer
const base = () => ['explain', '--issuer', issuer.url, '--audience', AUDIENCE]

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`build @tokenguard/core first: ${CLI} is missing`)
  issuer = await createTestIssuer({ audience: AUDIENCE })
})
afterAll(() => issuer?.close())

function expectNoToken(result: Run, token: string): void {
  for (const text of [result.stdout, result.stderr]) {
    expect(text).not.toContain(token)
    for (const part of token.split('.')) if (part.length >= 12) expect(text).not.toContain(part)
  }
}

describe('tokenguard explain (JWT, keys discovered over HTTP)', () => {
  it('exit 0 for a good token, every check listed, the token never printed', async () => {
    const token = await issuer.jwt()
    const result = await run([...base(), token])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatch(/^ACCEPTED \(strategy jwt\)/)
    expect(result.stdout).toMatch(/ok {3}metadata .*\/jwks/)
    expect(result.stdout).toMatch(/ok {3}signature/)
    expectNoToken(result, token)
  })

  it('exit 1 for typ JWT, naming the profile and jwt.typ; --typ JWT (or the keycloak profile) accepts it', async () => {
    const token = await issuer.jwt({ header: { typ: 'JWT' } })
    const refused = await run([...base(), token])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toMatch(/^REFUSED: 401 wrong_type/)
    expect(refused.stdout).toContain(
      "the token's typ is JWT; this validator expects at+jwt: set the issuer's profile to 'auth0'",
    )
    expect(refused.stdout).toContain('set jwt.typ')
    expectNoToken(refused, token)
    expect((await run([...base(), '--typ', 'JWT', token])).code).toBe(0)
    // Keycloak sends typ JWT by default (and its issuers have no trailing slash, like this one).
    const keycloak = await issuer.jwt({ header: { typ: 'JWT' }, claims: { typ: 'Bearer' } })
    expect((await run([...base(), '--profile', 'keycloak', keycloak])).code).toBe(0)
    // The auth0 profile checks the issuer's spelling at construction: a configuration error, exit 2.
    const misfit = await run([...base(), '--profile', 'auth0', token])
    expect(misfit.code).toBe(2)
    expect(misfit.stderr).toMatch(/issuer/)
  })

  it('exit 1 for another audience, with the values side by side', async () => {
    const token = await issuer.jwt({ aud: 'https://other.test' })
    const result = await run([...base(), token])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain(
      `the token's aud is "https://other.test"; this validator accepts "${AUDIENCE}"`,
    )
  })

  it('reads the token from stdin with "-", and prints JSON with --json', async () => {
    const token = await issuer.jwt({ expiresIn: -120 })
    const result = await run([...base(), '--json', '-'], { stdin: `${token}\n` })
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stdout) as {
      ok: boolean
      reason: string
      checks: Array<{ check: string; ok: boolean }>
    }
    expect(report).toMatchObject({ ok: false, reason: 'expired' })
    expect(report.checks.find((item) => item.check === 'exp')).toMatchObject({ ok: false })
    expectNoToken(result, token)
  })

  it('an explicit --jwks-uri that is wrong: exit 1, 503 keys_unavailable', async () => {
    const token = await issuer.jwt()
    const result = await run([...base(), '--jwks-uri', `${issuer.url}/nowhere`, token])
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^REFUSED: 503 keys_unavailable/)
  })
})

describe('tokenguard explain: the route guards (--scopes, --any-scope, --roles)', () => {
  it('exit 1 with 403 insufficient_scope for a missing scope, naming what is granted and missing', async () => {
    const token = await issuer.jwt({ scope: 'items:read' })
    const result = await run([...base(), '--scopes', 'items:read,items:write', token])
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^REFUSED: 403 insufficient_scope/)
    expect(result.stdout).toMatch(/FAIL scopes .*grants \["items:read"\].*missing \["items:write"\]/)
    expectNoToken(result, token)
    expect((await run([...base(), '--any-scope', 'items:write,items:read', token])).code).toBe(0)
  })

  it('--roles reads the roles where the profile says (keycloak: realm_access.roles)', async () => {
    const token = await issuer.jwt({
      header: { typ: 'JWT' },
      claims: { typ: 'Bearer', realm_access: { roles: ['reader'] } },
    })
    const keycloak = [...base(), '--profile', 'keycloak']
    expect((await run([...keycloak, '--roles', 'reader', token])).code).toBe(0)
    const refused = await run([...keycloak, '--roles', 'reader,items-admin', token])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toMatch(/^REFUSED: 403 insufficient_role/)
    expect(refused.stdout).toMatch(/read from realm_access\.roles/)
  })

  it.each([
    ['an empty --scopes', ['--scopes', ','], /--scopes needs at least one name/],
    ['an invalid scope', ['--scopes', 'has"quote'], /not a valid scope/],
  ])('%s exits 2', async (_name, flags, message) => {
    const token = await issuer.jwt()
    const result = await run([...base(), ...flags, token])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expectNoToken(result, token)
  })
})

describe('tokenguard explain (opaque, introspection over HTTP)', () => {
  const introspection = () => [
    '--introspection-endpoint',
    issuer.introspectionEndpoint,
    '--client-id',
    'api',
    '--client-secret-env',
    'API_SECRET',
  ]

  it('exit 0 for an active token, the secret taken from the environment', async () => {
    const token = issuer.opaque()
    const result = await run([...base(), ...introspection(), token], { env: { API_SECRET: 'api-secret' } })
    expect(result.stdout).toMatch(/^ACCEPTED \(strategy opaque\)/)
    expect(result.code).toBe(0)
    expect(result.stdout + result.stderr).not.toContain('api-secret')
    expectNoToken(result, token)
  })

  it('a wrong secret: exit 1, 503 introspection_unauthorized, naming the options to check', async () => {
    const token = issuer.opaque()
    const result = await run([...base(), ...introspection(), token], { env: { API_SECRET: 'wrong' } })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^REFUSED: 503 introspection_unauthorized/)
    expect(result.stdout).toContain('introspection.clientSecret')
  })

  /** An opaque token of the kit that starts with "-" (one in 64 does; the loop is bounded). */
  function dashToken(): string {
    for (let tries = 0; tries < 5000; tries++) {
      const token = issuer.opaque()
      if (token.startsWith('-')) return token
    }
    throw new Error('no opaque token starting with "-" in 5000 tries')
  }

  it('a token that starts with "-" is the token, not an option (and is never echoed)', async () => {
    const token = dashToken()
    const result = await run([...base(), ...introspection(), token], { env: { API_SECRET: 'api-secret' } })
    expect(result.stdout).toMatch(/^ACCEPTED \(strategy opaque\)/)
    expect(result.code).toBe(0)
    expectNoToken(result, token)
  })

  it('"--" before the token works too', async () => {
    const token = dashToken()
    const result = await run([...base(), ...introspection(), '--', token], {
      env: { API_SECRET: 'api-secret' },
    })
    expect(result.code).toBe(0)
    expectNoToken(result, token)
  })

  it('an unknown argument that looks like a token is named as such, never echoed', async () => {
    const token = dashToken()
    const result = await run([...base(), ...introspection(), token, issuer.opaque()], {
      env: { API_SECRET: 'api-secret' },
    })
    expect(result.code).toBe(2)
    expectNoToken(result, token)
    expect(result.stderr).toMatch(/not an option/)
  })

  it('a revoked token: exit 1, inactive', async () => {
    const token = issuer.opaque()
    issuer.revoke(token)
    const result = await run([...base(), ...introspection(), token], { env: { API_SECRET: 'api-secret' } })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^REFUSED: 401 inactive/)
  })
})

describe('tokenguard explain: usage errors exit 2 and never echo the token', () => {
  const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtdXNlciJ9.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw'
  it.each([
    ['no arguments', [], /only command is "explain"/],
    [
      'an unknown option',
      ['explain', '--issuer', 'https://i.test/', '--audience', 'a', '--nope', token],
      /Unknown option '--nope'/,
    ],
    ['no audience', ['explain', '--issuer', 'https://i.test/', token], /--audience is required/],
    [
      'two tokens',
      ['explain', '--issuer', 'https://i.test/', '--audience', 'a', token, token],
      /exactly one token/,
    ],
    [
      'an unset secret variable',
      [
        'explain',
        '--issuer',
        'https://i.test/',
        '--audience',
        'a',
        '--client-id',
        'api',
        '--client-secret-env',
        'UNSET_VAR',
        token,
      ],
      /UNSET_VAR is not set/,
    ],
    ['a bad option value', ['explain', '--issuer', 'ftp://i.test/', '--audience', 'a', token], /issuer/],
  ])('%s', async (_, args, message) => {
    const result = await run(args as string[])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expectNoToken(result, token)
  })

  it('--help prints the usage and exits 0', async () => {
    const result = await run(['--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^Usage: tokenguard explain/)
  })
})
