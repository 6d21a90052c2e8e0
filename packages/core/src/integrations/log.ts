import type { EventListener, TokenEvent } from '../events.js'

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
}

/**
 * Logs what an operator needs and nothing a client sent: events carry no token and no claims.
 * - refusals of a request (401/403/400): debug, with reason, status, strategy and route;
 * - refusals because something is down (503): warn; `internal_error`: error;
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
  const info = logger.info?.bind(logger)
  const error = logger.error?.bind(logger) ?? logger.warn.bind(logger)

  return (event: TokenEvent) => {
    switch (event.type) {
      case 'accepted': {
        if (!includeAccepted) return
        const { type, ...fields } = event
        return logger.debug({ event: type, ...fields }, 'token accepted')
      }
      case 'rejected': {
        const fields = {
          event: event.type,
          reason: event.reason,
          status: event.status,
          strategy: event.strategy,
          route: event.route,
          durationMs: event.durationMs,
        }
        if (event.reason === 'internal_error') return error(fields, 'token validation failed unexpectedly')
        if (event.status >= 500)
          return logger.warn(fields, 'token could not be validated: a dependency is unavailable')
        return logger.debug(fields, 'token rejected')
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
          return logger.warn({ event: type, ...fields }, 'introspection failed')
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
