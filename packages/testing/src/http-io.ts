/** Reading requests and writing answers for the loopback server, and RFC 6749 client authentication. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TestClient } from './options.js'

const MAX_BODY_BYTES = 64 * 1024

export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(text)
}

export function allow(req: IncomingMessage, res: ServerResponse, method: 'GET' | 'POST'): boolean {
  if (req.method === method || (method === 'GET' && req.method === 'HEAD')) return true
  send(res, 405, { error: 'method_not_allowed' }, 'application/json', { allow: method })
  return false
}

/** The request body, at most 64 KiB; undefined once a 413 has been sent. */
export async function readBody(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) {
      send(res, 413, { error: 'invalid_request', error_description: 'body too large' })
      return undefined
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** True when the body is a form (RFC 7662 §2.1, RFC 7009 §2.1); otherwise a 400 has been sent. */
export function isForm(req: IncomingMessage, res: ServerResponse): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === 'application/x-www-form-urlencoded') return true
  send(res, 400, {
    error: 'invalid_request',
    error_description: 'expected application/x-www-form-urlencoded',
  })
  return false
}

/** RFC 6749 §2.3.1: HTTP Basic with form-urlencoded id and secret, or both in the body; never both methods. */
export function authenticateClient(
  req: IncomingMessage,
  res: ServerResponse,
  params: URLSearchParams,
  clients: readonly TestClient[],
): boolean {
  const refuse = (description: string) => {
    send(res, 401, { error: 'invalid_client', error_description: description }, 'application/json', {
      'www-authenticate': 'Basic realm="tokenguard-test-issuer"',
    })
    return false
  }
  const header = req.headers.authorization
  const basic = header !== undefined && /^basic /i.test(header)
  const post = params.has('client_secret')
  if (basic && post) {
    send(res, 400, {
      error: 'invalid_request',
      error_description: 'more than one client authentication method',
    })
    return false
  }
  let clientId: string | undefined
  let clientSecret: string | undefined
  if (basic) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) return refuse('malformed Basic credentials')
    try {
      clientId = formUrlDecode(decoded.slice(0, colon))
      clientSecret = formUrlDecode(decoded.slice(colon + 1))
    } catch {
      return refuse('malformed Basic credentials')
    }
  } else if (post) {
    clientId = params.get('client_id') ?? undefined
    clientSecret = params.get('client_secret') ?? undefined
  } else {
    return refuse('client authentication required')
  }
  const client = clients.find((candidate) => candidate.clientId === clientId)
  if (client === undefined || client.clientSecret !== clientSecret)
    return refuse('client authentication failed')
  return true
}

function formUrlDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '))
}
