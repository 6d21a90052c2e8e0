/**
 * API instances for the fault cases: each an Express server on 127.0.0.1 with a normal route
 * (`/read`) and a sensitive one (`/pay`), its own validator, RedisStore and ioredis client, all
 * closed by `closeAll()` in afterAll. Tokens are ES256 JWTs checked against a static key set, so
 * no route needs anything but the denylist mirror.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import type { Cluster, Redis } from 'ioredis'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'
import type { TokenEvent } from '@tokenguard/core'
import { createValidator, requireToken, type Validator } from '@tokenguard/express'
import { RedisStore } from '@tokenguard/redis'

export const ISSUER = 'https://issuer.faults.test/'
export const AUDIENCE = 'https://api.faults.test'
/** Seconds, as the validator takes them: small, so every case runs in seconds. */
export const MAX_STALENESS = 1
export const HEARTBEAT_INTERVAL = 0.2

let signing: { privateKey: CryptoKey; jwk: JWK } | undefined
let serial = 0

async function keys() {
  if (!signing) {
    const pair = await generateKeyPair('ES256')
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'faults', alg: 'ES256' }
    signing = { privateKey: pair.privateKey as CryptoKey, jwk }
  }
  return signing
}

/** A fresh, valid access token (unique `jti`). */
export async function mintToken(): Promise<string> {
  const { privateKey } = await keys()
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'alice',
    client_id: 'faults-client',
    jti: `f-${process.pid}-${++serial}`,
    iat: now,
    exp: now + 600,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'faults', typ: 'at+jwt' })
    .sign(privateKey)
}

export interface Instance {
  name: string
  url: string
  validator: Validator
  store: RedisStore
  client: Redis | Cluster
  events: TokenEvent[]
  /** Errors the ioredis client emitted (a listener is the application's job; they are counted, not thrown). */
  clientErrors: number
  /** ms timestamps (performance.now()) of every event, parallel to `events`. */
  eventTimes: number[]
  close(): Promise<void>
}

export interface InstanceOptions {
  name: string
  /** Builds this instance's own ioredis client (Redis or Cluster). */
  client: () => Redis | Cluster
  /** RedisStore options beside `prefix` (e.g. waitForReplicas). */
  storeOptions?: Record<string, unknown>
  prefix?: string
}

const open = new Set<Instance>()

export async function startInstance(options: InstanceOptions): Promise<Instance> {
  const { jwk } = await keys()
  const client = options.client()
  const events: TokenEvent[] = []
  const eventTimes: number[] = []
  const store = new RedisStore(client, {
    prefix: options.prefix ?? 'faults:',
    commandTimeout: 500,
    ...options.storeOptions,
  })
  // A plain object (not a literal at the call) so options newer than this checkout type-check too.
  const denylist = { maxStaleness: MAX_STALENESS, heartbeatInterval: HEARTBEAT_INTERVAL }
  const validator = createValidator({
    issuer: ISSUER,
    audience: AUDIENCE,
    store,
    denylist,
    jwt: { algorithms: ['ES256'], jwks: { keys: [jwk] } },
    onEvent: (event) => {
      events.push(event)
      eventTimes.push(performance.now())
    },
  })
  const app = express()
  const ok: express.RequestHandler = (_req, res) => {
    res.json({ ok: true })
  }
  app.get('/read', requireToken(validator), ok)
  app.get('/pay', requireToken(validator, { sensitive: true }), ok)
  const server = http.createServer(app)
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const instance: Instance = {
    name: options.name,
    url: `http://127.0.0.1:${port}`,
    validator,
    store,
    client,
    events,
    eventTimes,
    clientErrors: 0,
    async close() {
      open.delete(instance)
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await validator.close().catch(() => {})
      await store.close().catch(() => {})
      client.disconnect()
    },
  }
  client.on('error', () => instance.clientErrors++)
  open.add(instance)
  // Starting is setup, not the case under test: a store still connecting (a loaded machine, a
  // cluster that just healed) gets a few more tries.
  for (let attempt = 1; ; attempt++) {
    try {
      await validator.ready()
      return instance
    } catch (error) {
      if (attempt === 10) throw error
      await new Promise((r) => setTimeout(r, 500))
    }
  }
}

export async function closeAllInstances(): Promise<void> {
  await Promise.all([...open].map((i) => i.close()))
}

/** One GET with a bearer token; resolves with the status (0 for a network error: counted as a failure). */
export async function get(instance: Instance, path: '/read' | '/pay', token: string): Promise<number> {
  return (await request(instance, path, token)).status
}

/**
 * The same, with whether a 503 carried what RFC 6750 §3.1 / RFC 9110 §10.2.3 ask of a temporary
 * refusal here: a `Retry-After` and the `temporarily_unavailable` error.
 */
export async function request(
  instance: Instance,
  path: '/read' | '/pay',
  token: string,
): Promise<{ status: number; wellFormed503?: boolean }> {
  try {
    const res = await fetch(instance.url + path, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(5000),
    })
    const body = await res.text()
    if (res.status !== 503) return { status: res.status }
    const retryAfter = /^[1-9]\d*$/.test(res.headers.get('retry-after') ?? '')
    return { status: 503, wellFormed503: retryAfter && body.includes('"temporarily_unavailable"') }
  } catch {
    return { status: 0 }
  }
}

/** The event types an instance emitted (as plain strings: some are newer than this checkout's types). */
export function eventsOf(instance: Instance, type: string): Array<Record<string, unknown> & { at: number }> {
  const out: Array<Record<string, unknown> & { at: number }> = []
  instance.events.forEach((event, i) => {
    if ((event as { type: string }).type === type)
      out.push({ ...(event as object), at: instance.eventTimes[i]! })
  })
  return out
}
