import { isTokenError } from '../errors.js'

export interface ReadinessResult {
  ready: boolean
  status: 200 | 503
  /** Safe to send: `error` is a stable identifier (`timeout`, `keys_unavailable`, …), never a message. */
  body: { status: 'ready' | 'not_ready'; error?: string }
}

export interface ReadinessOptions {
  /** How long `validator.ready()` may take before the probe answers 503, in ms. Default 2000. */
  timeoutMs?: number
}

/**
 * A readiness probe around `validator.ready()` (key sets loaded, denylist mirror loaded), bounded
 * by a timeout so a hanging key set endpoint makes the probe fail rather than hang. Mount it on a
 * health route; it never throws.
 *
 * @example
 * ```ts
 * const readiness = createReadinessCheck(tokens)
 * app.get('/ready', async (req, res) => { const r = await readiness(); res.status(r.status).json(r.body) })
 * ```
 */
export function createReadinessCheck(
  validator: { ready(): Promise<void> },
  options: ReadinessOptions = {},
): () => Promise<ReadinessResult> {
  const timeoutMs = options.timeoutMs ?? 2000
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError('createReadinessCheck: `timeoutMs` must be a positive number')
  }
  const TIMEOUT = Symbol('timeout')

  return async () => {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<typeof TIMEOUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMEOUT), timeoutMs)
      timer.unref?.()
    })
    try {
      const outcome = await Promise.race([Promise.resolve().then(() => validator.ready()), timeout])
      if (outcome === TIMEOUT) return notReady('timeout')
      return { ready: true, status: 200, body: { status: 'ready' } }
    } catch (error) {
      // A TokenError names what is missing (keys_unavailable, denylist_unavailable); anything else stays vague.
      return notReady(isTokenError(error) ? error.reason : 'unavailable')
    } finally {
      clearTimeout(timer)
    }
  }
}

function notReady(error: string): ReadinessResult {
  return { ready: false, status: 503, body: { status: 'not_ready', error } }
}
