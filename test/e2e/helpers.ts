/**
 * Shared plumbing for the e2e suites: an Express API on a real 127.0.0.1 port (supertest talks
 * HTTP to it), an event recorder for the validator's `onEvent`, bounded polling, and the exact
 * RFC 6750 challenges the API must answer with.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type RequestHandler } from 'express'
import request from 'supertest'
import type { TokenEvent } from '@tokenguard/core'

export type Route = [path: string, ...handlers: RequestHandler[]]

/** Replies with the parts of `req.auth` a client may see (never the token or raw claims). */
export const echoAuth: RequestHandler = (req, res) => {
  const auth = req.auth
  res.json(
    auth === undefined
      ? null
      : {
          strategy: auth.strategy,
          scopes: auth.scopes,
          clientId: auth.clientId,
          issuer: auth.issuer,
          expiresAt: auth.expiresAt,
        },
  )
}

export interface Api {
  http: ReturnType<typeof request>
  url: string
  close(): Promise<void>
}

/** An Express app with `routes` (each ending in `echoAuth`), listening on 127.0.0.1:0. */
export async function startApi(routes: Route[]): Promise<Api> {
  const app = express()
  for (const [path, ...handlers] of routes) app.get(path, ...handlers, echoAuth)
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  return {
    http: request(url),
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}

/** The event variant(s) whose `type` may be `T` (`cache_hit` shares a variant with `cache_miss`). */
export type EventOf<T extends TokenEvent['type']> =
  Extract<TokenEvent, { type: T }> extends never ? TokenEvent & { type: T } : Extract<TokenEvent, { type: T }>

/** Collects every event a validator emits. */
export function eventRecorder() {
  const events: TokenEvent[] = []
  return {
    events,
    listener: (event: TokenEvent) => {
      events.push(event)
    },
    ofType<T extends TokenEvent['type']>(type: T): EventOf<T>[] {
      return events.filter((e): e is EventOf<T> => e.type === type)
    },
    clear() {
      events.length = 0
    },
  }
}

export const INVALID_TOKEN_DESCRIPTION = 'The access token is invalid'
export const INSUFFICIENT_SCOPE_DESCRIPTION = 'The access token lacks a required scope'
export const UNAVAILABLE_BODY = {
  error: 'temporarily_unavailable',
  error_description: 'The access token cannot be validated right now',
}

export function invalidTokenChallenge(realm: string): string {
  return `Bearer realm="${realm}", error="invalid_token", error_description="${INVALID_TOKEN_DESCRIPTION}"`
}

export function insufficientScopeChallenge(realm: string, scope: string): string {
  return `Bearer realm="${realm}", error="insufficient_scope", error_description="${INSUFFICIENT_SCOPE_DESCRIPTION}", scope="${scope}"`
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Calls `probe` every `intervalMs` until it returns a value other than `undefined`, or until
 * `timeoutMs` has passed (then returns `undefined`). Never waits unboundedly.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() + intervalMs > deadline) return undefined
    await sleep(intervalMs)
  }
}

/** One concise line per suite, printed from afterAll. */
export function report(suite: string, numbers: Record<string, string | number | undefined>): void {
  const parts = Object.entries(numbers).map(([k, v]) => `${k}=${v ?? 'n/a'}`)
  console.log(`[e2e ${suite}] ${parts.join(' ')}`)
}
