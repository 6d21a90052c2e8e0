import { Agent, request, type Dispatcher } from 'undici'

/**
 * The one HTTP client core uses (discovery, JWKS, introspection): pooled keep-alive connections,
 * an overall deadline and a response size cap, so a slow or lying server costs a bounded amount.
 */

export interface HttpResponse {
  status: number
  contentType: string
  text: string
}

export interface HttpRequest {
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** Overall deadline in milliseconds, connection to last byte. */
  timeout: number
  /** Largest body read, in bytes; a larger one is an error. */
  maxBytes: number
  dispatcher?: Dispatcher
}

/** Raised for anything that is not a complete, bounded HTTP response: callers treat it as an outage. */
export class HttpFailure extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'too_large' | 'network',
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'HttpFailure'
  }
}

let sharedAgent: Agent | undefined

/** A keep-alive pool shared by every validator in the process, unless one passes its own dispatcher. */
export function defaultDispatcher(): Agent {
  sharedAgent ??= new Agent({ keepAliveTimeout: 30_000, connections: 128, pipelining: 1 })
  return sharedAgent
}

export async function httpRequest(url: string, init: HttpRequest): Promise<HttpResponse> {
  const signal = AbortSignal.timeout(init.timeout)
  try {
    const response = await request(url, {
      method: init.method ?? 'GET',
      headers: init.headers,
      body: init.body,
      signal,
      dispatcher: init.dispatcher ?? defaultDispatcher(),
    })
    const declared = Number(response.headers['content-length'])
    if (Number.isFinite(declared) && declared > init.maxBytes) {
      // Nothing reads this body: without a listener, undici's abort error would crash the process.
      response.body.on('error', () => {})
      response.body.destroy()
      throw new HttpFailure(`response larger than ${init.maxBytes} bytes`, 'too_large')
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > init.maxBytes) {
        response.body.destroy()
        throw new HttpFailure(`response larger than ${init.maxBytes} bytes`, 'too_large')
      }
      chunks.push(chunk)
    }
    const contentType = response.headers['content-type']
    return {
      status: response.statusCode,
      contentType: (Array.isArray(contentType) ? contentType[0] : contentType) ?? '',
      text: Buffer.concat(chunks).toString('utf8'),
    }
  } catch (error) {
    if (error instanceof HttpFailure) throw error
    if (signal.aborted) throw new HttpFailure(`no complete response within ${init.timeout} ms`, 'timeout')
    throw new HttpFailure('request failed', 'network', { cause: error })
  }
}

/** Parses a JSON object body; anything else (HTML, arrays, garbage) is `undefined`. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}
