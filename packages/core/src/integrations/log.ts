import type { RejectReason } from '../errors.js'
import type { EventListener, TokenEvent } from '../events.js'
import { REASON_WORDS } from '../explain/reasons.js'

type LogMethod = (fields: Record<string, unknown>, message: string) => void

/**
 * A logger with pino's argument order, `(fields, message)`: pino, Fastify's `request.log`, bunyan,
 * and `console` all fit.
 */
export interface LoggerLike {
  debug: LogMethod
  warn: LogMethod
  info?: LogMethod
  error?: LogMethod
}

export interface LogListenerOptions {
  /** Also log accepted requests (at debug). Default false. */
  includeAccepted?: boolean
  /**
   * Milliseconds during which refusals of one reason are logged once; the next line counts the
   * ones held back (`suppressed`). 0 logs every refusal. Default 10 000.
   */
  refusalInterval?: number
  /** Clock in milliseconds (a test seam). Default `Date.now`. */
  now?: () => number
}

/**
 * Logs what an operator needs and nothing a client sent: events carry no token and no claims.
 * - refusals of a request (401/403/400): info (debug without `info`), with reason, plain words
 *   (`why`), status, strategy and route; at most one line per reason per `refusalInterval`;
 * - refusals because something is down (503): warn; `internal_error`: error (rate-limited alike);
 * - key set and introspection failures, and a denylist feed going down: warn (one discovery URL
 *   failing: debug, as the other may answer);
 *   the feed coming back: info (warn without `info`); a key rotation: info (debug without `info`).
 *
 * @example
 * ```ts
 * const tokens = createValidator({ ..., onEvent: createLogListener(pino()) })
 * ```
 */
export function createLogListener(logger: LoggerLike, options: LogListenerOptions = {}): EventListener {
  const includeAccepted = options.includeAccepted ?? false
  const interval = options.refusalInterval ?? 10_000
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0)
    throw new TypeError('createLogListener: `refusalInterval` must be a non-negative number of milliseconds')
  if (options.now !== undefined && typeof options.now !== 'function')
    throw new TypeError('createLogListener: `now` must be a function')
  const now = options.now ?? Date.now
  const info = logger.info?.bind(logger)
  const error = logger.error?.bind(logger) ?? logger.warn.bind(logger)
  // One entry per reason (a closed set): when its last line was written, and how many were held back since.
  const lastLine = new Map<RejectReason, { at: number; suppressed: number }>()

  /** Undefined when this refusal is held back; otherwise how many were held back before it. */
  function admit(reason: RejectReason): number | undefined {
    if (interval === 0) return 0
    const at = now()
    const last = lastLine.get(reason)
    if (last !== undefined && at - last.at < interval) {
      last.suppressed++
      return undefined
    }
    lastLine.set(reason, { at, suppressed: 0 })
    return last?.suppressed ?? 0
  }

  return (event: TokenEvent) => {
    switch (event.type) {
      case 'accepted': {
        if (!includeAccepted) return
        const { type, ...fields } = event
        return logger.debug({ event: type, ...fields }, 'token accepted')
      }
      case 'rejected': {
        const suppressed = admit(event.reason)
        if (suppressed === undefined) return
        const fields: Record<string, unknown> = {
          event: event.type,
          reason: event.reason,
          why: REASON_WORDS[event.reason],
          status: event.status,
          strategy: event.strategy,
          route: event.route,
          durationMs: event.durationMs,
        }
        const more = suppressed > 0 ? ` (${suppressed} more since the last line)` : ''
        if (suppressed > 0) fields.suppressed = suppressed
        if (event.reason === 'internal_error')
          return error(fields, `token validation failed unexpectedly${more}`)
        if (event.status >= 500)
          return logger.warn(fields, `token could not be validated: ${event.reason}${more}`)
        return (info ?? logger.debug.bind(logger))(fields, `token rejected: ${event.reason}${more}`)
      }
      case 'keys_fetch':
        if (event.outcome === 'error') {
          const { type, ...fields } = event
          return logger.warn({ event: type, ...fields }, 'key set fetch failed')
        }
        if (event.added !== undefined || event.dropped !== undefined) {
          const fields = {
            event: event.type,
            url: event.url,
            keys: event.keys,
            added: event.added,
            dropped: event.dropped,
          }
          return (info ?? logger.debug.bind(logger))(fields, 'key set rotated')
        }
        return
      case 'metadata_fetch':
        // Discovery tries RFC 8414 then OIDC: one URL failing is routine; the outage shows in keys_fetch.
        if (event.outcome === 'error') {
          const { type, ...fields } = event
          return logger.debug({ event: type, ...fields }, 'issuer metadata fetch failed')
        }
        return
      case 'introspection':
        // A coalesced waiter shares the failure of the call it joined, which is logged once.
        if (event.outcome === 'error' && !event.coalesced) {
          const { type, ...fields } = event
          // RFC 7662 §2.3: a 401 is our own credentials refused, a configuration error to name.
          const message =
            event.error === 'client authentication failed'
              ? 'introspection failed: the endpoint refused our client credentials (check introspection.clientId, clientSecret and clientAuth)'
              : 'introspection failed'
          return logger.warn({ event: type, ...fields }, message)
        }
        return
      case 'store_degraded':
        return logger.warn({ event: event.type, error: event.error }, 'denylist store feed is down')
      case 'store_recovered':
        return (info ?? logger.warn.bind(logger))({ event: event.type }, 'denylist store feed is back')
      default:
        return
    }
  }
}
