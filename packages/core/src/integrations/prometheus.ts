import type { EventListener, TokenEvent } from '../events.js'

/**
 * Prometheus metrics from validator events, through the `prom-client` module you pass in (core
 * never imports it). Every label value is bounded: reasons, strategies, outcomes and caches are
 * fixed sets, `route` is a name you gave (`''` when none), and `issuer` only ever holds an issuer
 * the validator accepted a token from (its allowlist; `issuers` narrows it further).
 */

type Labels = Record<string, string>

/** The parts of prom-client used here (duck-typed, so any compatible version works). */
export interface PromClientLike<R> {
  Registry: new () => R
  Counter: new (config: MetricConfig<R>) => { inc(labels: Labels, value?: number): void }
  Histogram: new (config: MetricConfig<R> & { buckets?: number[] }) => {
    observe(labels: Labels, value: number): void
  }
  Gauge: new (config: MetricConfig<R>) => { set(labels: Labels, value: number): void }
}

interface MetricConfig<R> {
  name: string
  help: string
  labelNames: string[]
  registers: R[]
}

export interface PrometheusMetricsOptions<R> {
  /** Where the metrics are registered; default a new `Registry` (serve it on /metrics). */
  registry?: R
  /** Metric name prefix. Default `tokenguard_`. */
  prefix?: string
  /** Issuers to name in the `issuer` label; any other becomes `other`. Default: as the event says. */
  issuers?: readonly string[]
  /** Histogram buckets for validation times, in seconds. */
  validationBuckets?: number[]
  /** Histogram buckets for network calls (key sets, introspection), in seconds. */
  networkBuckets?: number[]
}

export interface PrometheusMetrics<R> {
  onEvent: EventListener
  registry: R
}

const VALIDATION_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const NETWORK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/**
 * @example
 * ```ts
 * import promClient from 'prom-client'
 * const metrics = createPrometheusMetrics(promClient, { registry: promClient.register })
 * const tokens = createValidator({ ..., onEvent: metrics.onEvent })
 * ```
 */
export function createPrometheusMetrics<R>(
  promClient: PromClientLike<R>,
  options: PrometheusMetricsOptions<R> = {},
): PrometheusMetrics<R> {
  const prefix = options.prefix ?? 'tokenguard_'
  const registry: R = options.registry ?? new promClient.Registry()
  const registers = [registry]
  const counter = (name: string, help: string, labelNames: string[]) =>
    new promClient.Counter({ name: prefix + name, help, labelNames, registers })
  const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) =>
    new promClient.Histogram({ name: prefix + name, help, labelNames, registers, buckets })

  const requests = counter('requests_total', 'Requests validated, by outcome', [
    'outcome',
    'strategy',
    'issuer',
    'route',
    'reason',
  ])
  const validation = histogram(
    'validation_duration_seconds',
    'Time to validate a request',
    ['outcome', 'strategy'],
    options.validationBuckets ?? VALIDATION_BUCKETS,
  )
  const keysFetch = counter('keys_fetch_total', 'Key set (JWKS) fetches', ['outcome'])
  const keysFetchDuration = histogram(
    'keys_fetch_duration_seconds',
    'Time of one key set fetch',
    ['outcome'],
    options.networkBuckets ?? NETWORK_BUCKETS,
  )
  const keysRotated = counter(
    'keys_rotated_total',
    'Keys that appeared or disappeared when a key set changed',
    ['change'],
  )
  const keysStale = counter(
    'keys_stale_served_total',
    'Failed key set fetches while a stale set was still served',
    [],
  )
  const metadataFetch = counter('metadata_fetch_total', 'Issuer metadata (discovery) fetches', ['outcome'])
  const introspection = counter(
    'introspection_total',
    'Introspection answers, own calls and coalesced waits',
    ['outcome', 'coalesced'],
  )
  const introspectionDuration = histogram(
    'introspection_duration_seconds',
    'Time of one introspection call (coalesced waits excluded)',
    ['outcome'],
    options.networkBuckets ?? NETWORK_BUCKETS,
  )
  const cache = counter('cache_total', 'Cache lookups', ['cache', 'result'])
  const denylistHits = counter('denylist_hits_total', 'Tokens refused by the denylist', ['by'])
  const storeDegraded = new promClient.Gauge({
    name: `${prefix}store_degraded`,
    help: '1 while the denylist store feed is down, else 0',
    labelNames: [],
    registers,
  })
  storeDegraded.set({}, 0)

  const allowed = options.issuers === undefined ? undefined : new Set(options.issuers)
  const issuerLabel = (issuer: string | undefined) =>
    issuer === undefined ? '' : allowed === undefined || allowed.has(issuer) ? issuer : 'other'

  function onEvent(event: TokenEvent): void {
    switch (event.type) {
      case 'accepted': {
        const strategy = event.strategy
        requests.inc({
          outcome: 'accepted',
          strategy,
          issuer: issuerLabel(event.issuer),
          route: event.route ?? '',
          reason: '',
        })
        validation.observe({ outcome: 'accepted', strategy }, event.durationMs / 1000)
        return
      }
      case 'rejected': {
        const strategy = event.strategy ?? ''
        requests.inc({
          outcome: 'rejected',
          strategy,
          issuer: '',
          route: event.route ?? '',
          reason: event.reason,
        })
        validation.observe({ outcome: 'rejected', strategy }, event.durationMs / 1000)
        return
      }
      case 'keys_fetch':
        keysFetch.inc({ outcome: event.outcome })
        keysFetchDuration.observe({ outcome: event.outcome }, event.durationMs / 1000)
        if (event.added) keysRotated.inc({ change: 'added' }, event.added)
        if (event.dropped) keysRotated.inc({ change: 'dropped' }, event.dropped)
        if (event.staleServed === true) keysStale.inc({})
        return
      case 'metadata_fetch':
        metadataFetch.inc({ outcome: event.outcome })
        return
      case 'introspection':
        introspection.inc({ outcome: event.outcome, coalesced: String(event.coalesced) })
        if (!event.coalesced)
          introspectionDuration.observe({ outcome: event.outcome }, event.durationMs / 1000)
        return
      case 'cache_hit':
      case 'cache_miss':
        cache.inc({ cache: event.cache, result: event.type === 'cache_hit' ? 'hit' : 'miss' })
        return
      case 'denylist_hit':
        denylistHits.inc({ by: event.by })
        return
      case 'store_degraded':
      case 'store_recovered':
        storeDegraded.set({}, event.type === 'store_degraded' ? 1 : 0)
        return
      default:
        // Events added later are ignored until this listener knows them.
        return
    }
  }

  return { onEvent, registry }
}
