import type { EventListener, TokenEvent } from '../events.js'

/**
 * One `onEvent` for several listeners (metrics, tracing, logs, your own), called in order. Each is
 * isolated: one that throws neither stops the others nor reaches the validator.
 *
 * @example
 * ```ts
 * const metrics = createPrometheusMetrics(promClient)
 * const tokens = createValidator({ ..., onEvent: combineListeners(metrics.onEvent, createTracingListener(otel)) })
 * ```
 */
export function combineListeners(
  ...listeners: Array<EventListener | undefined | null | false>
): EventListener {
  const active = listeners.filter((listener): listener is EventListener => typeof listener === 'function')
  return (event: TokenEvent) => {
    for (const listener of active) {
      try {
        listener(event)
      } catch {
        // A broken listener must not silence the others, nor break validation.
      }
    }
  }
}
