import crypto from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { Agent } from 'undici'
import { createValidator, MemoryStore, type TokenEvent } from '../../src/index'
import { TokenError } from '../../src/errors'
import { AUDIENCE, ISSUER } from '../helpers/tokens'
import { LinkStore, eventually } from './link-store'

// A loopback introspection endpoint that counts its calls and answers per token.
let server: Server
let endpoint: string
let calls = 0
const active = new Set<string>()
const dispatcher = new Agent()

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      calls++
      const token = new URLSearchParams(body).get('token') ?? ''
      const answer = active.has(token)
        ? {
            active: true,
            iss: ISSUER,
            aud: AUDIENCE,
            sub: 'alice',
            scope: 'items:read',
            exp: Math.floor(Date.now() / 1000) + 600,
          }
        : { active: false }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}/introspect`
})
afterAll(async () => {
  await dispatcher.close()
  await new Promise((resolve) => server.close(resolve))
})
beforeEach(() => {
  calls = 0
})

function validator(store?: MemoryStore | LinkStore, events: TokenEvent[] = []) {
  return createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    dispatcher,
    store,
    onEvent: (event) => events.push(event),
    introspection: { endpoint, clientId: 'api', clientSecret: 'secret', cacheMaxAge: 600 },
  })
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'accepted'
  } catch (error) {
    if (!(error instanceof TokenError)) throw error
    return `${error.status} ${error.reason}`
  }
}

it('revoking an opaque token drops it from the introspection cache of every validator on the store', async () => {
  const store = new MemoryStore()
  const a = validator(store)
  const b = validator(store)
  await Promise.all([a.ready(), b.ready()])
  active.add('opaque-1')
  expect(await outcome(b.verify('opaque-1'))).toBe('accepted')
  expect(await outcome(b.verify('opaque-1'))).toBe('accepted')
  expect(calls).toBe(1)
  active.delete('opaque-1') // the authorization server revoked it too
  await a.revoke('opaque-1')
  expect(await outcome(b.verify('opaque-1'))).toBe('401 inactive') // asked again: the cache lost it
  expect(calls).toBe(2)
  expect(await outcome(b.verify('opaque-1', { sensitive: true }))).toBe('401 inactive')
})

it('a revoked opaque token is refused on sensitive routes even if the server still says active', async () => {
  const v = validator()
  active.add('opaque-2')
  await v.revoke('opaque-2')
  expect(await outcome(v.verify('opaque-2', { sensitive: true }))).toBe('401 revoked')
})

it('a fleet sharing a store asks the authorization server once per token', async () => {
  const store = new MemoryStore()
  const eventsB: TokenEvent[] = []
  const a = validator(store)
  const b = validator(store, eventsB)
  active.add('opaque-3')
  await a.verify('opaque-3')
  await b.verify('opaque-3')
  expect(calls).toBe(1)
  expect(eventsB).toContainEqual({ type: 'cache_hit', cache: 'shared' })
  // Sensitive routes never take the shared tier's word.
  await b.verify('opaque-3', { sensitive: true })
  expect(calls).toBe(2)
})

it('the shared cache is cleared once per revocation, by the revoker; a reconnect sends no DEL at all', async () => {
  const store = new LinkStore()
  const events: TokenEvent[] = []
  const a = validator(store)
  const b = validator(store, events)
  const c = validator(store)
  await Promise.all([a.ready(), b.ready(), c.ready()])
  for (let i = 0; i < 5; i++) await a.revoke(`opaque-del-${i}`)
  expect(store.deletes).toHaveLength(5)
  store.bounce()
  expect(await eventually(() => events.some((event) => event.type === 'denylist_resynced'))).toBe(true)
  expect(store.deletes).toHaveLength(5)
  await Promise.all([a.close(), b.close(), c.close()])
})

it('a cached opaque token is hashed once per sensitive request while fingerprint entries exist', async () => {
  active.add('opaque-hash-once')
  active.add('opaque-hash-revoked')
  const v = validator()
  await v.revoke('opaque-hash-revoked')
  expect(await outcome(v.verify('opaque-hash-once', { sensitive: true }))).toBe('accepted')
  const hash = jest.spyOn(crypto, 'hash')
  try {
    // Its answer's key is its fingerprint, which the denylist then reads from the context.
    expect(await outcome(v.verify('opaque-hash-once', { sensitive: true }))).toBe('accepted')
    expect(hash).toHaveBeenCalledTimes(1)
  } finally {
    hash.mockRestore()
  }
  expect(await outcome(v.verify('opaque-hash-revoked', { sensitive: true }))).toBe('401 revoked')
  await v.close()
})
