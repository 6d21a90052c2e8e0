import type { TokenEvent } from '../../src/events.js'
import { createLogListener, type LoggerLike } from '../../src/integrations/log.js'

function fakeLogger(withInfo = true) {
  const lines: Array<[string, Record<string, unknown>, string]> = []
  const method = (level: string) => (fields: Record<string, unknown>, message: string) =>
    lines.push([level, fields, message])
  const logger: LoggerLike = { debug: method('debug'), warn: method('warn'), error: method('error') }
  if (withInfo) logger.info = method('info')
  return { logger, lines }
}

describe('createLogListener', () => {
  it('logs an expected refusal at debug with reason, status and route only', () => {
    const { logger, lines } = fakeLogger()
    createLogListener(logger)({
      type: 'rejected',
      reason: 'expired',
      status: 401,
      strategy: 'jwt',
      route: 'items',
      durationMs: 1,
    })
    expect(lines).toEqual([
      [
        'debug',
        { event: 'rejected', reason: 'expired', status: 401, strategy: 'jwt', route: 'items', durationMs: 1 },
        'token rejected',
      ],
    ])
  })

  it('logs a refusal caused by an outage at warn, and an internal error at error', () => {
    const { logger, lines } = fakeLogger()
    const listen = createLogListener(logger)
    listen({
      type: 'rejected',
      reason: 'keys_unavailable',
      status: 503,
      strategy: 'jwt',
      route: undefined,
      durationMs: 3000,
    })
    listen({
      type: 'rejected',
      reason: 'internal_error',
      status: 503,
      strategy: 'jwt',
      route: undefined,
      durationMs: 1,
    })
    expect(lines.map(([level, fields]) => [level, fields.reason])).toEqual([
      ['warn', 'keys_unavailable'],
      ['error', 'internal_error'],
    ])
  })

  it('logs accepted requests only when asked', () => {
    const accepted: TokenEvent = {
      type: 'accepted',
      strategy: 'jwt',
      issuer: 'https://i.test/',
      route: undefined,
      cached: false,
      durationMs: 1,
    }
    const quiet = fakeLogger()
    createLogListener(quiet.logger)(accepted)
    expect(quiet.lines).toEqual([])
    const chatty = fakeLogger()
    createLogListener(chatty.logger, { includeAccepted: true })(accepted)
    expect(chatty.lines).toEqual([
      [
        'debug',
        {
          event: 'accepted',
          strategy: 'jwt',
          issuer: 'https://i.test/',
          route: undefined,
          cached: false,
          durationMs: 1,
        },
        'token accepted',
      ],
    ])
  })

  it('warns about network failures and the store feed, and reports recovery and rotation at info', () => {
    const { logger, lines } = fakeLogger()
    const listen = createLogListener(logger)
    const url = 'https://i.test/jwks'
    const events: TokenEvent[] = [
      { type: 'keys_fetch', url, outcome: 'ok', durationMs: 5, keys: 2 },
      { type: 'keys_fetch', url, outcome: 'ok', durationMs: 5, keys: 2, added: 1, dropped: 1 },
      { type: 'keys_fetch', url, outcome: 'error', durationMs: 3000, staleServed: true, error: 'timeout' },
      { type: 'metadata_fetch', url, outcome: 'error', durationMs: 5, error: 'unexpected status 404' },
      { type: 'introspection', outcome: 'error', durationMs: 3000, coalesced: false, error: 'timeout' },
      { type: 'introspection', outcome: 'error', durationMs: 3000, coalesced: true },
      { type: 'introspection', outcome: 'active', durationMs: 3, coalesced: false },
      { type: 'store_degraded', error: 'denylist feed down' },
      { type: 'store_recovered' },
      { type: 'cache_hit', cache: 'verified_jwt' },
      { type: 'denylist_hit', by: 'jti' },
    ]
    events.forEach(listen)
    expect(lines.map(([level, , message]) => [level, message])).toEqual([
      ['info', 'key set rotated'],
      ['warn', 'key set fetch failed'],
      ['debug', 'issuer metadata fetch failed'],
      ['warn', 'introspection failed'],
      ['warn', 'denylist store feed is down'],
      ['info', 'denylist store feed is back'],
    ])
    expect(lines[1]![1]).toEqual({
      event: 'keys_fetch',
      url,
      outcome: 'error',
      durationMs: 3000,
      staleServed: true,
      error: 'timeout',
    })
  })

  it('falls back to warn and debug for a logger without info, and to warn without error', () => {
    const { logger, lines } = fakeLogger(false)
    delete logger.error
    const listen = createLogListener(logger)
    listen({ type: 'store_recovered' })
    listen({ type: 'keys_fetch', url: 'u', outcome: 'ok', durationMs: 1, keys: 1, added: 1, dropped: 0 })
    listen({
      type: 'rejected',
      reason: 'internal_error',
      status: 503,
      strategy: undefined,
      route: undefined,
      durationMs: 1,
    })
    expect(lines.map(([level]) => level)).toEqual(['warn', 'debug', 'warn'])
  })

  it('works with console (message after the fields)', () => {
    const spy = jest.spyOn(console, 'warn').mockImplementation(() => {})
    createLogListener(console)({ type: 'store_degraded' })
    expect(spy).toHaveBeenCalledWith(
      { event: 'store_degraded', error: undefined },
      'denylist store feed is down',
    )
    spy.mockRestore()
  })
})
