import { connect } from 'node:net'
import {
  expressHarness,
  fastifyHarness,
  koaHarness,
  send,
  type Answer,
  type Harness,
  type SendOptions,
} from '@tokenguard/conformance'

/** Every category runs on every adapter, through the conformance harness. */
export const HARNESSES: Harness[] = [expressHarness, koaHarness, fastifyHarness]

/** One expected refusal: status and RFC 6750 `error` code (undefined: no token was seen, no code). */
export interface Refusal {
  status: 400 | 401 | 403 | 503
  error: string | undefined
}

export const INVALID_TOKEN: Refusal = { status: 401, error: 'invalid_token' }
export const INVALID_REQUEST: Refusal = { status: 400, error: 'invalid_request' }
export const NO_TOKEN: Refusal = { status: 401, error: undefined }
export const UNAVAILABLE: Refusal = { status: 503, error: 'temporarily_unavailable' }

/** The only descriptions a client may ever read: generic, no reason, no token content. */
export const GENERIC_DESCRIPTIONS = new Set([
  'A bearer token is required',
  'The request is malformed',
  'More than one access token was sent',
  'The access token is missing or not a valid bearer token',
  'The access_token parameter is malformed',
  'The access token is invalid',
  'The access token is too large',
  'The access token lacks a required scope',
  'The access token lacks a required role',
  'The access token cannot be validated right now',
])

// Words that name *why* a token was refused: for events and logs, never for the client.
const REASON_WORDS =
  /\b(signature|signed|expired|kid|alg|algorithm|none|issuer|iss|audience|aud|typ|revoked|inactive|jwks?|keys?|claims?|nbf|iat|exp|crit|jku|x5u|x5c|introspect\w*|timeout|timed|refused|econn\w*|html|json|stale|denylist|bad_signature|unknown_key|malformed_token|wrong_\w+|internal_error)\b/i

/** The longest a request may take before the test calls it a hang. */
export const DEADLINE_MS = 5000

export interface Timed extends Answer {
  ms: number
}

/** `send` from the conformance harness, with a client-side deadline: a hang fails the test. */
export async function attack(
  baseUrl: string,
  path: string,
  options: SendOptions = {},
  deadlineMs = DEADLINE_MS,
): Promise<Timed> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms: ${path}`)), deadlineMs)
  })
  try {
    const answer = await Promise.race([send(baseUrl, path, options), deadline])
    return { ...answer, ms: performance.now() - started }
  } finally {
    clearTimeout(timer)
  }
}

/** `Authorization: Bearer <token>`. */
export const bearer = (token: string): Array<[string, string]> => [['Authorization', `Bearer ${token}`]]

/**
 * Parses `Bearer realm="x", error="y"` back into scheme and params (RFC 7235 auth-param with
 * quoted-string values); throws on anything it cannot read completely.
 */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?: (.*))?$/s.exec(header)
  if (match === null) throw new Error(`unreadable challenge: ${JSON.stringify(header)}`)
  // No prototype: a parameter named `__proto__` or `constructor` is just a name.
  const params: Record<string, string> = Object.create(null)
  let rest = match[2] ?? ''
  const param = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)="((?:[^"\\]|\\.)*)"(?:, |$)/s
  while (rest.length > 0) {
    const found = param.exec(rest)
    if (found === null) throw new Error(`unreadable challenge parameters: ${JSON.stringify(rest)}`)
    if (found[1]! in params) throw new Error(`repeated challenge parameter ${found[1]}`)
    params[found[1]!] = found[2]!
    rest = rest.slice(found[0].length)
  }
  return { scheme: match[1]!, params }
}

/** No stack trace, no token content, no reason word: in the body and in every header. */
export function expectNothingLeaked(answer: Answer, token?: string): void {
  const headerText = Object.entries(answer.headers)
    .filter(([name]) => name !== 'content-type' && name !== 'date' && name !== 'connection')
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join('\n')
  for (const text of [answer.text, headerText]) {
    expect(text).not.toMatch(/^\s*at /m)
    expect(text).not.toMatch(/Error:|stack/)
    if (token !== undefined && token.length >= 8) {
      expect(text).not.toContain(token)
      for (const part of token.split(/[.\s]/)) if (part.length >= 12) expect(text).not.toContain(part)
    }
  }
  const description = (answer.json as { error_description?: unknown } | undefined)?.error_description
  const challenge = answer.headers['www-authenticate']
  for (const text of [JSON.stringify(description ?? ''), String(challenge ?? '')]) {
    expect(text.replace(/access_token|access token|bearer token/gi, '')).not.toMatch(REASON_WORDS)
  }
}

/** The exact refusal: status, `error` in challenge and body, a generic description, nothing leaked. */
export function expectRefused(answer: Timed, expected: Refusal, token?: string, realm?: string): void {
  const body = answer.json as { error?: unknown; error_description?: unknown } | undefined
  expect({ status: answer.status, error: body?.error }).toEqual({
    status: expected.status,
    error: expected.error ?? 'unauthorized',
  })
  expect(answer.status).not.toBe(500)
  expect(answer.headers['content-type']).toMatch(/^application\/json/)
  expect(Object.keys(body ?? {}).sort()).toEqual(['error', 'error_description'])
  expect(GENERIC_DESCRIPTIONS.has(String(body?.error_description))).toBe(true)
  const challenge = answer.headers['www-authenticate']
  if (expected.status === 503) {
    expect(challenge).toBeUndefined()
    expect(String(answer.headers['retry-after'])).toMatch(/^[1-9][0-9]*$/)
  } else {
    expect(typeof challenge).toBe('string')
    const { scheme, params } = parseChallenge(challenge as string)
    expect(scheme).toBe('Bearer')
    if (realm !== undefined) expect(params.realm).toBe(realm)
    expect(params.error).toBe(expected.error)
    if (expected.error !== undefined) expect(params.error_description).toBe(body?.error_description)
    else expect(params.error_description).toBeUndefined()
  }
  expectNothingLeaked(answer, token)
}

/**
 * A raw request over a plain socket, for what node:http's client will not send or read (a 1 MiB
 * header that the server cuts off): resolves with the status line's code, or 0 when the server
 * closed the connection without one. Rejects only on the deadline (a hang).
 */
export function rawRequest(
  port: number,
  head: string,
  deadlineMs = DEADLINE_MS,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`raw request: no answer within ${deadlineMs} ms`))
    }, deadlineMs)
    const finish = () => {
      clearTimeout(timer)
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received)
      resolve({ status: status ? Number(status[1]) : 0, text: received })
    }
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('error', () => socket.destroy())
    socket.on('close', finish)
    socket.write(head, () => socket.end())
  })
}

export const portOf = (url: string): number => Number(new URL(url).port)
