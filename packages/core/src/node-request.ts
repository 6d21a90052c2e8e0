import type { IncomingMessage } from 'node:http'
import type { RequestLike } from './request.js'

/** The TLS parts of a socket, read without importing `node:tls`. */
interface MaybeTlsSocket {
  encrypted?: boolean
  getPeerCertificate?: (detailed: boolean) => { raw?: Uint8Array } | null
}

/**
 * The `RequestLike` of a Node request, which every supported framework wraps: adapters call this
 * with the framework's own view of the URL and the parsed body, and nothing else.
 */
export function fromNodeRequest(
  raw: IncomingMessage,
  view: { url?: string; body?: unknown } = {},
): RequestLike {
  const socket = raw.socket as MaybeTlsSocket | undefined
  return {
    method: raw.method ?? 'GET',
    url: view.url ?? raw.url,
    headers: raw.headers,
    rawHeaders: raw.rawHeaders,
    body: view.body,
    protocol: socket?.encrypted === true ? 'https' : 'http',
    // Read lazily: only a token bound to a certificate (RFC 8705) needs it.
    peerCertificate: () => {
      const raw = socket?.getPeerCertificate?.(false)?.raw
      return raw !== undefined && raw.length > 0 ? raw : undefined
    },
  }
}
