import { request } from 'node:http'

export interface SendOptions {
  method?: string
  /** Sent in this order, each appended: a repeated name goes out twice, not folded. */
  headers?: Array<[string, string]>
  body?: string
}

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown
}

/**
 * One request over a fresh connection (node:http, no agent), so every adapter is reached exactly the
 * same way and repeated headers arrive as sent.
 */
export function send(baseUrl: string, path: string, options: SendOptions = {}): Promise<Answer> {
  const url = new URL(path, baseUrl)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: options.method ?? 'GET',
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let json: unknown
          try {
            json = JSON.parse(text)
          } catch {
            json = undefined
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
        })
        res.on('error', reject)
      },
    )
    for (const [name, value] of options.headers ?? []) req.appendHeader(name, value)
    if (options.body !== undefined) req.setHeader('content-length', Buffer.byteLength(options.body))
    req.on('error', reject)
    req.end(options.body)
  })
}

/** `Authorization: Bearer <token>` as a header list. */
export function bearer(token: string, scheme = 'Bearer'): Array<[string, string]> {
  return [['Authorization', `${scheme} ${token}`]]
}
