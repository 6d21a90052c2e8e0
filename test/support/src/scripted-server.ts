/**
 * The one purpose-built *broken* server of the test suites: every answer is scripted, down to a
 * dropped connection, a hang, a body that never ends or an oversized one. A working authorization
 * server is the test kit's issuer (`packages/testing`); use this only for what no real one does.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What a loopback server answers to one request. */
export interface Script {
  status?: number
  headers?: Record<string, string>
  /** A string as is; anything else as JSON. */
  body?: unknown
  /** Wait this long before the status line. */
  delayMs?: number
  /** Send the headers at once, then one byte every `dripMs` forever (a body that never ends). */
  dripMs?: number
  /** Stream this many bytes of JSON-looking filler without a content-length (chunked). */
  chunkedBytes?: number
  /** Send the headers, then these pieces `chunkDelayMs` apart (a slow body; no content-length unless in `headers`). */
  chunks?: string[]
  chunkDelayMs?: number
  /** Drop the connection without an answer. */
  destroy?: boolean
  /** Never answer (the socket stays open until the client gives up or the server closes). */
  hang?: boolean
}

export interface ScriptedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
  /** The form `token` of an introspection request ('' otherwise). */
  token: string
  /** The client id from Basic credentials or the form body ('' when none). */
  clientId: string
}

export interface ScriptedServer {
  url: string
  port: number
  /** Requests seen, in order. */
  readonly requests: ScriptedRequest[]
  /** Requests seen for one introspected token. */
  hits(token?: string): number
  /** The answer for each request; replace it at will. */
  script: (request: ScriptedRequest) => Script
  close(): Promise<void>
}

/** A 127.0.0.1 HTTP server whose every answer is scripted (introspection endpoints, JWKS, jku traps). */
export async function startScriptedServer(
  script: (request: ScriptedRequest) => Script = () => ({ status: 404, body: '' }),
): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = []
  const timers = new Set<NodeJS.Timeout>()
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, ms)
    timers.add(timer)
  }
  const state = { script }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      const form = new URLSearchParams(body)
      const basic = req.headers.authorization?.startsWith('Basic ')
        ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString('utf8')
        : ''
      const clientId = basic
        ? decodeURIComponent(basic.slice(0, basic.indexOf(':')).replace(/\+/g, ' '))
        : (form.get('client_id') ?? '')
      const seen: ScriptedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        token: form.get('token') ?? '',
        clientId,
      }
      requests.push(seen)
      const answer = state.script(seen)
      const respond = () => {
        if (res.destroyed || answer.hang === true) return
        if (answer.destroy === true) return void req.socket.destroy()
        const headers: Record<string, string> = { 'content-type': 'application/json', ...answer.headers }
        if (answer.dripMs !== undefined) {
          res.writeHead(answer.status ?? 200, headers)
          res.write('{')
          const drip = () => {
            if (res.destroyed) return
            res.write(' ')
            later(answer.dripMs!, drip)
          }
          later(answer.dripMs, drip)
          return
        }
        if (answer.chunks !== undefined) {
          res.writeHead(answer.status ?? 200, headers)
          const pieces = [...answer.chunks]
          const next = () => {
            if (res.destroyed) return
            const piece = pieces.shift()
            if (piece === undefined) return void res.end()
            res.write(piece)
            later(answer.chunkDelayMs ?? 0, next)
          }
          next()
          return
        }
        if (answer.chunkedBytes !== undefined) {
          res.writeHead(answer.status ?? 200, headers)
          const filler = `{"active":true,"pad":"${'x'.repeat(answer.chunkedBytes)}"}`
          for (let i = 0; i < filler.length && !res.destroyed; i += 16_384)
            res.write(filler.slice(i, i + 16_384))
          res.end()
          return
        }
        const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {})
        res.writeHead(answer.status ?? 200, { ...headers, 'content-length': String(Buffer.byteLength(text)) })
        res.end(text)
      }
      if (answer.delayMs !== undefined) later(answer.delayMs, respond)
      else respond()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    hits: (token) =>
      token === undefined ? requests.length : requests.filter((r) => r.token === token).length,
    get script() {
      return state.script
    },
    set script(next) {
      state.script = next
    },
    async close() {
      for (const timer of timers) clearTimeout(timer)
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** A port on 127.0.0.1 that nothing listens on (connection refused). */
export async function refusedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
