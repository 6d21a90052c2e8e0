import { EventEmitter } from 'node:events'
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

/**
 * The overall deadline of one request, as undici's `signal`: it takes an EventEmitter as well as
 * an AbortSignal, and one emitter with one timer costs a fraction of `AbortSignal.timeout()` (an
 * EventTarget, a weakly held timer and its listeners: several µs on every introspection call).
 */
class Deadline extends EventEmitter {
  aborted = false
  private readonly timer: ReturnType<typeof setTimeout>

  constructor(ms: number) {
    super()
    this.timer = setTimeout(() => {
      this.aborted = true
      this.emit('abort')
    }, ms)
    // Like AbortSignal.timeout: the open socket, not the deadline, keeps the process alive.
    this.timer.unref()
  }

  clear(): void {
    clearTimeout(this.timer)
  }
}

let sharedAgent: Agent | undefined

/** A keep-alive pool shared by every validator in the process, unless one passes its own dispatcher. */
export function defaultDispatcher(): Agent {
  sharedAgent ??= new Agent({ keepAliveTimeout: 30_000, connections: 128, pipelining: 1 })
  return sharedAgent
}

export async function httpRequest(url: string, init: HttpRequest): Promise<HttpResponse> {
  const deadline = new Deadline(init.timeout)
  try {
    const response = await request(url, {
      method: init.method ?? 'GET',
      headers: init.headers,
      body: init.body,
      signal: deadline,
      dispatcher: init.dispatcher ?? defaultDispatcher(),
    })
    const declared = Number(response.headers['content-length'])
    if (Number.isFinite(declared) && declared > init.maxBytes) {
      // Nothing reads this body: without a listener, undici's abort error would crash the process.
      response.body.on('error', () => {})
      response.body.destroy()
      throw new HttpFailure(`response larger than ${init.maxBytes} bytes`, 'too_large')
    }
    const contentType = response.headers['content-type']
    return {
      status: response.statusCode,
      contentType: (Array.isArray(contentType) ? contentType[0] : contentType) ?? '',
      // A declared length within the cap bounds the body by itself (RFC 9112 §6.3: the parser
      // reads no more than Content-Length), so it is read in one go; otherwise counted as it comes.
      text: Number.isFinite(declared)
        ? await response.body.text()
        : await readCapped(response.body as AsyncIterable<Buffer> & { destroy(): void }, init.maxBytes),
    }
  } catch (error) {
    if (error instanceof HttpFailure) throw error
    if (deadline.aborted) throw new HttpFailure(`no complete response within ${init.timeout} ms`, 'timeout')
    throw new HttpFailure('request failed', 'network', { cause: error })
  } finally {
    deadline.clear()
  }
}

/** A body of unknown length, refused as soon as it grows past `maxBytes`. */
async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): void },
  maxBytes: number,
): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > maxBytes) {
      body.destroy()
      throw new HttpFailure(`response larger than ${maxBytes} bytes`, 'too_large')
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
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
