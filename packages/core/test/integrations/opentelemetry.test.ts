import * as otel from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { TokenEvent } from '../../src/events.js'
import { createTracingListener } from '../../src/integrations/opentelemetry.js'

const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
const tracer = provider.getTracer('test')

afterEach(() => exporter.reset())
afterAll(() => provider.shutdown())

const hrToMs = ([seconds, nanos]: [number, number]) => seconds * 1000 + nanos / 1e6

describe('createTracingListener', () => {
  const listen = createTracingListener(otel, { tracer })

  it('records an accepted validation as a span that lasted durationMs', () => {
    const before = Date.now()
    listen({
      type: 'accepted',
      strategy: 'jwt',
      issuer: 'https://issuer.test/',
      route: 'items',
      cached: true,
      durationMs: 250,
    })
    const [span] = exporter.getFinishedSpans()
    expect(span!.name).toBe('tokenguard.validate')
    expect(span!.kind).toBe(otel.SpanKind.INTERNAL)
    expect(span!.attributes).toEqual({
      'tokenguard.outcome': 'accepted',
      'tokenguard.strategy': 'jwt',
      'tokenguard.issuer': 'https://issuer.test/',
      'tokenguard.route': 'items',
      'tokenguard.cached': true,
    })
    expect(span!.status.code).toBe(otel.SpanStatusCode.UNSET)
    expect(hrToMs(span!.duration)).toBeCloseTo(250, 0)
    expect(hrToMs(span!.startTime)).toBeLessThan(before - 200)
  })

  it('records a refusal with ERROR status and its reason, never the token', () => {
    listen({ type: 'rejected', reason: 'revoked', status: 401, strategy: 'jwt', route: 'pay', durationMs: 3 })
    const [span] = exporter.getFinishedSpans()
    expect(span!.name).toBe('tokenguard.validate')
    expect(span!.status).toEqual({ code: otel.SpanStatusCode.ERROR, message: 'revoked' })
    expect(span!.attributes).toEqual({
      'tokenguard.outcome': 'rejected',
      'tokenguard.reason': 'revoked',
      'tokenguard.status': 401,
      'tokenguard.strategy': 'jwt',
      'tokenguard.route': 'pay',
    })
    expect(JSON.stringify(span!.attributes)).not.toMatch(/eyJ|Bearer/)
  })

  it('records key set, metadata and introspection calls as client spans', () => {
    const url = 'https://issuer.test/jwks'
    const events: TokenEvent[] = [
      { type: 'keys_fetch', url, outcome: 'ok', durationMs: 40, keys: 2, added: 1, dropped: 1 },
      { type: 'keys_fetch', url, outcome: 'error', durationMs: 3000, staleServed: true, error: 'timeout' },
      {
        type: 'metadata_fetch',
        url: 'https://issuer.test/.well-known/openid-configuration',
        outcome: 'ok',
        durationMs: 9,
      },
      { type: 'introspection', outcome: 'active', durationMs: 20, coalesced: false },
      { type: 'introspection', outcome: 'inactive', durationMs: 18, coalesced: true },
    ]
    events.forEach(listen)
    const spans = exporter.getFinishedSpans()
    expect(spans.map((s) => [s.name, s.kind])).toEqual([
      ['tokenguard.keys_fetch', otel.SpanKind.CLIENT],
      ['tokenguard.keys_fetch', otel.SpanKind.CLIENT],
      ['tokenguard.metadata_fetch', otel.SpanKind.CLIENT],
      ['tokenguard.introspection', otel.SpanKind.CLIENT],
      ['tokenguard.introspection', otel.SpanKind.INTERNAL],
    ])
    expect(spans[0]!.attributes).toEqual({
      'url.full': url,
      'tokenguard.outcome': 'ok',
      'tokenguard.keys': 2,
      'tokenguard.keys_added': 1,
      'tokenguard.keys_dropped': 1,
    })
    expect(hrToMs(spans[0]!.duration)).toBeCloseTo(40, 0)
    expect(spans[1]!.status).toEqual({ code: otel.SpanStatusCode.ERROR, message: 'timeout' })
    expect(spans[1]!.attributes['tokenguard.stale_served']).toBe(true)
    expect(spans[3]!.attributes).toEqual({ 'tokenguard.outcome': 'active', 'tokenguard.coalesced': false })
    expect(hrToMs(spans[3]!.duration)).toBeCloseTo(20, 0)
  })

  it('ignores cache events and events it does not know', () => {
    listen({ type: 'cache_hit', cache: 'verified_jwt' })
    listen({ type: 'something_new' } as unknown as TokenEvent)
    expect(exporter.getFinishedSpans()).toHaveLength(0)
  })

  it('uses the global tracer provider when given no tracer', () => {
    otel.trace.setGlobalTracerProvider(provider)
    try {
      createTracingListener(otel)({ type: 'store_recovered' })
      createTracingListener(otel)({
        type: 'introspection',
        outcome: 'error',
        durationMs: 1,
        coalesced: false,
      })
      const [span] = exporter.getFinishedSpans()
      expect(span!.instrumentationScope.name).toBe('@tokenguard/core')
      expect(span!.status.code).toBe(otel.SpanStatusCode.ERROR)
    } finally {
      otel.trace.disable()
    }
  })

  it('adds a denylist hit to the active span', () => {
    const events: Array<[string, unknown]> = []
    const active = {
      setStatus: () => {},
      end: () => {},
      addEvent: (name: string, attrs: unknown) => events.push([name, attrs]),
    }
    const fake = { ...otel, trace: { getTracer: () => tracer, getActiveSpan: () => active } }
    createTracingListener(fake)({ type: 'denylist_hit', by: 'subject' })
    expect(events).toEqual([['tokenguard.denylist_hit', { 'tokenguard.by': 'subject' }]])
  })
})
