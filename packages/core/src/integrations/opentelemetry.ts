import type { EventListener, TokenEvent } from '../events.js'

/**
 * OpenTelemetry spans from validator events, through the `@opentelemetry/api` module you pass in
 * (core never imports it). Each event arrives when its step ends, so a span is recorded after the
 * fact: started `durationMs` ago and ended now, as a child of the active span (the request's, when
 * the HTTP instrumentation is on). Attributes never carry the token or its claims.
 */

type Attributes = Record<string, string | number | boolean>

interface SpanLike {
  setStatus(status: { code: number; message?: string }): unknown
  addEvent?(name: string, attributes?: Attributes): unknown
  end(endTime?: number): void
}

interface TracerLike {
  startSpan(name: string, options?: { kind?: number; startTime?: number; attributes?: Attributes }): SpanLike
}

/** The parts of `@opentelemetry/api` used here (duck-typed). */
export interface OtelApiLike {
  trace: {
    getTracer(name: string, version?: string): TracerLike
    getActiveSpan?(): SpanLike | undefined
  }
  SpanStatusCode: { ERROR: number }
  SpanKind?: { INTERNAL: number; CLIENT: number }
}

export interface TracingListenerOptions {
  /** A tracer to use; default `otelApi.trace.getTracer(tracerName)`. */
  tracer?: TracerLike
  /** Default `@tokenguard/core`. */
  tracerName?: string
}

/** Epoch milliseconds with sub-millisecond precision (what OpenTelemetry takes as a time). */
const nowMs = () => performance.timeOrigin + performance.now()

/**
 * Spans: `tokenguard.validate` per request (strategy, issuer, route, cached, outcome, reason;
 * ERROR status on refusals), `tokenguard.keys_fetch`, `tokenguard.metadata_fetch` and
 * `tokenguard.introspection` per network call. A denylist hit is an event on the active span.
 *
 * @example
 * ```ts
 * import * as otel from '@opentelemetry/api'
 * const tokens = createValidator({ ..., onEvent: createTracingListener(otel) })
 * ```
 */
export function createTracingListener(
  otelApi: OtelApiLike,
  options: TracingListenerOptions = {},
): EventListener {
  const tracer = options.tracer ?? otelApi.trace.getTracer(options.tracerName ?? '@tokenguard/core')
  const ERROR = otelApi.SpanStatusCode.ERROR
  const INTERNAL = otelApi.SpanKind?.INTERNAL ?? 0
  const CLIENT = otelApi.SpanKind?.CLIENT ?? 2

  function record(
    name: string,
    kind: number,
    durationMs: number,
    attributes: Attributes,
    error?: string,
  ): void {
    const end = nowMs()
    const span = tracer.startSpan(name, { kind, startTime: end - Math.max(0, durationMs), attributes })
    if (error !== undefined) span.setStatus({ code: ERROR, message: error })
    span.end(end)
  }

  return (event: TokenEvent) => {
    switch (event.type) {
      case 'accepted': {
        const attributes: Attributes = {
          'tokenguard.outcome': 'accepted',
          'tokenguard.strategy': event.strategy,
          'tokenguard.cached': event.cached,
        }
        if (event.issuer !== undefined) attributes['tokenguard.issuer'] = event.issuer
        if (event.route !== undefined) attributes['tokenguard.route'] = event.route
        return record('tokenguard.validate', INTERNAL, event.durationMs, attributes)
      }
      case 'rejected': {
        const attributes: Attributes = {
          'tokenguard.outcome': 'rejected',
          'tokenguard.reason': event.reason,
          'tokenguard.status': event.status,
        }
        if (event.strategy !== undefined) attributes['tokenguard.strategy'] = event.strategy
        if (event.route !== undefined) attributes['tokenguard.route'] = event.route
        return record('tokenguard.validate', INTERNAL, event.durationMs, attributes, event.reason)
      }
      case 'keys_fetch': {
        const attributes: Attributes = { 'url.full': event.url, 'tokenguard.outcome': event.outcome }
        if (event.keys !== undefined) attributes['tokenguard.keys'] = event.keys
        if (event.added !== undefined) attributes['tokenguard.keys_added'] = event.added
        if (event.dropped !== undefined) attributes['tokenguard.keys_dropped'] = event.dropped
        if (event.staleServed !== undefined) attributes['tokenguard.stale_served'] = event.staleServed
        return record('tokenguard.keys_fetch', CLIENT, event.durationMs, attributes, failure(event))
      }
      case 'metadata_fetch':
        return record(
          'tokenguard.metadata_fetch',
          CLIENT,
          event.durationMs,
          { 'url.full': event.url, 'tokenguard.outcome': event.outcome },
          failure(event),
        )
      case 'introspection':
        // A coalesced answer made no call of its own: it waited for another request's.
        return record(
          'tokenguard.introspection',
          event.coalesced ? INTERNAL : CLIENT,
          event.durationMs,
          { 'tokenguard.outcome': event.outcome, 'tokenguard.coalesced': event.coalesced },
          failure(event),
        )
      case 'denylist_hit':
        otelApi.trace.getActiveSpan?.()?.addEvent?.('tokenguard.denylist_hit', { 'tokenguard.by': event.by })
        return
      default:
        return
    }
  }
}

function failure(event: { outcome: string; error?: string }): string | undefined {
  return event.outcome === 'error' ? (event.error ?? 'error') : undefined
}
