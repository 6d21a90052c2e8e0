import * as promClient from 'prom-client'
import type { TokenEvent } from '../../src/events.js'
import { combineListeners } from '../../src/integrations/combine.js'
import { createPrometheusMetrics } from '../../src/integrations/prometheus.js'

const ISSUER = 'https://issuer.test/'

function feed(events: TokenEvent[], options: { issuers?: string[] } = {}) {
  const metrics = createPrometheusMetrics(promClient, options)
  for (const event of events) metrics.onEvent(event)
  return metrics
}

/** The sample line for `series` (name and labels exactly as prom-client prints them), as a number. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('createPrometheusMetrics', () => {
  it('counts accepted and rejected requests with bounded labels', async () => {
    const metrics = feed([
      { type: 'accepted', strategy: 'jwt', issuer: ISSUER, route: 'items', cached: false, durationMs: 2 },
      { type: 'accepted', strategy: 'jwt', issuer: ISSUER, route: 'items', cached: true, durationMs: 0.1 },
      { type: 'rejected', reason: 'expired', status: 401, strategy: 'jwt', route: undefined, durationMs: 1 },
      {
        type: 'rejected',
        reason: 'missing_token',
        status: 401,
        strategy: undefined,
        route: 'pay',
        durationMs: 0,
      },
    ])
    const text = await metrics.registry.metrics()
    expect(
      sample(
        text,
        `tokenguard_requests_total{outcome="accepted",strategy="jwt",issuer="${ISSUER}",route="items",reason=""}`,
      ),
    ).toBe(2)
    expect(
      sample(
        text,
        'tokenguard_requests_total{outcome="rejected",strategy="jwt",issuer="",route="",reason="expired"}',
      ),
    ).toBe(1)
    expect(
      sample(
        text,
        'tokenguard_requests_total{outcome="rejected",strategy="",issuer="",route="pay",reason="missing_token"}',
      ),
    ).toBe(1)
    expect(
      sample(text, 'tokenguard_validation_duration_seconds_count{outcome="accepted",strategy="jwt"}'),
    ).toBe(2)
    expect(
      sample(text, 'tokenguard_validation_duration_seconds_sum{outcome="accepted",strategy="jwt"}'),
    ).toBeCloseTo(0.0021)
    expect(
      sample(
        text,
        'tokenguard_validation_duration_seconds_bucket{le="0.001",outcome="accepted",strategy="jwt"}',
      ),
    ).toBe(1)
    expect(text).not.toMatch(/eyJ/)
  })

  it('maps issuers outside the given list to "other"', async () => {
    const metrics = feed(
      [
        {
          type: 'accepted',
          strategy: 'opaque',
          issuer: 'https://elsewhere.test/',
          route: undefined,
          cached: false,
          durationMs: 1,
        },
      ],
      { issuers: [ISSUER] },
    )
    const text = await metrics.registry.metrics()
    expect(
      sample(
        text,
        'tokenguard_requests_total{outcome="accepted",strategy="opaque",issuer="other",route="",reason=""}',
      ),
    ).toBe(1)
  })

  it('records key set fetches, rotations and stale serving', async () => {
    const url = 'https://issuer.test/jwks'
    const metrics = feed([
      { type: 'keys_fetch', url, outcome: 'ok', durationMs: 40, keys: 2 },
      { type: 'keys_fetch', url, outcome: 'ok', durationMs: 60, keys: 2, added: 1, dropped: 1 },
      { type: 'keys_fetch', url, outcome: 'error', durationMs: 3000, staleServed: true, error: 'timeout' },
      { type: 'metadata_fetch', url, outcome: 'ok', durationMs: 10 },
    ])
    const text = await metrics.registry.metrics()
    expect(sample(text, 'tokenguard_keys_fetch_total{outcome="ok"}')).toBe(2)
    expect(sample(text, 'tokenguard_keys_fetch_total{outcome="error"}')).toBe(1)
    expect(sample(text, 'tokenguard_keys_fetch_duration_seconds_sum{outcome="ok"}')).toBeCloseTo(0.1)
    expect(sample(text, 'tokenguard_keys_rotated_total{change="added"}')).toBe(1)
    expect(sample(text, 'tokenguard_keys_rotated_total{change="dropped"}')).toBe(1)
    expect(sample(text, 'tokenguard_keys_stale_served_total')).toBe(1)
    expect(sample(text, 'tokenguard_metadata_fetch_total{outcome="ok"}')).toBe(1)
  })

  it('records introspection calls, timing only the calls actually made', async () => {
    const metrics = feed([
      { type: 'introspection', outcome: 'active', durationMs: 20, coalesced: false },
      { type: 'introspection', outcome: 'active', durationMs: 19, coalesced: true },
      { type: 'introspection', outcome: 'error', durationMs: 3000, coalesced: false, error: 'timeout' },
    ])
    const text = await metrics.registry.metrics()
    expect(sample(text, 'tokenguard_introspection_total{outcome="active",coalesced="false"}')).toBe(1)
    expect(sample(text, 'tokenguard_introspection_total{outcome="active",coalesced="true"}')).toBe(1)
    expect(sample(text, 'tokenguard_introspection_total{outcome="error",coalesced="false"}')).toBe(1)
    expect(sample(text, 'tokenguard_introspection_duration_seconds_count{outcome="active"}')).toBe(1)
    expect(sample(text, 'tokenguard_introspection_duration_seconds_count{outcome="error"}')).toBe(1)
  })

  it('counts cache lookups and denylist hits, and tracks the store state', async () => {
    const metrics = feed([
      { type: 'cache_hit', cache: 'verified_jwt' },
      { type: 'cache_miss', cache: 'verified_jwt' },
      { type: 'cache_hit', cache: 'introspection' },
      { type: 'denylist_hit', by: 'subject' },
      { type: 'store_degraded', error: 'feed down' },
    ])
    let text = await metrics.registry.metrics()
    expect(sample(text, 'tokenguard_cache_total{cache="verified_jwt",result="hit"}')).toBe(1)
    expect(sample(text, 'tokenguard_cache_total{cache="verified_jwt",result="miss"}')).toBe(1)
    expect(sample(text, 'tokenguard_cache_total{cache="introspection",result="hit"}')).toBe(1)
    expect(sample(text, 'tokenguard_denylist_hits_total{by="subject"}')).toBe(1)
    expect(sample(text, 'tokenguard_store_degraded')).toBe(1)
    metrics.onEvent({ type: 'store_recovered' })
    text = await metrics.registry.metrics()
    expect(sample(text, 'tokenguard_store_degraded')).toBe(0)
  })

  it('registers in a given registry under a given prefix, and ignores unknown events', async () => {
    const registry = new promClient.Registry()
    const metrics = createPrometheusMetrics(promClient, { registry, prefix: 'api_auth_' })
    expect(metrics.registry).toBe(registry)
    metrics.onEvent({ type: 'denylist_hit', by: 'jti' })
    metrics.onEvent({ type: 'dpop_something_new' } as unknown as TokenEvent)
    const text = await registry.metrics()
    expect(sample(text, 'api_auth_denylist_hits_total{by="jti"}')).toBe(1)
    expect(text).not.toMatch(/tokenguard_/)
  })
})

describe('combineListeners', () => {
  it('calls every listener in order, isolating one that throws', () => {
    const seen: string[] = []
    const listener = combineListeners(
      (event) => seen.push(`a:${event.type}`),
      () => {
        throw new Error('broken metrics')
      },
      undefined,
      (event) => seen.push(`b:${event.type}`),
    )
    expect(() => listener({ type: 'store_recovered' })).not.toThrow()
    expect(seen).toEqual(['a:store_recovered', 'b:store_recovered'])
  })
})
