import { createServer } from 'node:http'

export interface IntrospectionServer {
  /** `http://127.0.0.1:<port>/introspect` */
  endpoint: string
  clientId: string
  clientSecret: string
  /** Introspection requests answered (or refused) so far, per token. */
  hits(token: string): number
  /** Makes `token` active with these response members (`active: true` is added). */
  activate(token: string, response: Record<string, unknown>): void
  /** While true, every request is answered 500: an authorization server outage. */
  down: boolean
  close(): Promise<void>
}

/**
 * A small RFC 7662 endpoint on 127.0.0.1: checks `client_secret_basic` credentials, answers
 * `active: true` with the registered members for known tokens and `{ active: false }` for others.
 */
export async function startIntrospectionServer(): Promise<IntrospectionServer> {
  const clientId = 'resource-server'
  const clientSecret = 'conformance-secret'
  const active = new Map<string, Record<string, unknown>>()
  const counts = new Map<string, number>()
  const state = { down: false }

  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      const token = new URLSearchParams(body).get('token') ?? ''
      counts.set(token, (counts.get(token) ?? 0) + 1)
      if (state.down) return res.writeHead(500).end('down')
      if (req.method !== 'POST' || !authenticated(req.headers.authorization, clientId, clientSecret)) {
        return res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}')
      }
      const answer = active.has(token) ? { active: true, ...active.get(token) } : { active: false }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }

  return {
    endpoint: `http://127.0.0.1:${port}/introspect`,
    clientId,
    clientSecret,
    hits: (token) => counts.get(token) ?? 0,
    activate: (token, response) => void active.set(token, response),
    get down() {
      return state.down
    },
    set down(value: boolean) {
      state.down = value
    },
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded, joined by ':', then base64-encoded. */
function authenticated(header: string | undefined, clientId: string, clientSecret: string): boolean {
  if (header === undefined || !header.startsWith('Basic ')) return false
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '))
  return (
    colon > 0 &&
    formDecode(decoded.slice(0, colon)) === clientId &&
    formDecode(decoded.slice(colon + 1)) === clientSecret
  )
}
