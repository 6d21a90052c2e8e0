import type { RejectReason } from '../../src/errors.js'
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
  const refusal = (reason: RejectReason, status = 401): TokenEvent => ({
    type: 'rejected',
    reason,
    status,
    strategy: 'jwt',
    route: 'items',
    durationMs: 1,
  })

  it('logs a refusal at info with reason, plain words, status and route only', () => {
    const { logger, lines } = fakeLogger()
    createLogListener(logger)(refusal('expired'))
    expect(lines).toEqual([
      [
        'info',
        {
          event: 'rejected',
          reason: 'expired',
          why: 'the token has expired (exp, beyond clockTolerance)',
          status: 401,
          strategy: 'jwt',
          route: 'items',
          durationMs: 1,
        },
        'token rejected: expired',
      ],
    ])
  })

  it('logs refusals at debug when the logger has no info', () => {
    const { logger, lines } = fakeLogger(false)
    createLogListener(logger)(refusal('expired'))
    expect(lines.map(([level]) => level)).toEqual(['debug'])
  })

  it('logs at most one line per reason per interval, then counts what it held back', () => {
    let clock = 1_000_000
    const { logger, lines } = fakeLogger()
    const listen = createLogListener(logger, { now: () => clock })
    for (let i = 0; i < 50; i++) listen(refusal('expired'))
    listen(refusal('wrong_audience'))
    listen(refusal('keys_unavailable', 503))
    listen(refusal('keys_unavailable', 503))
    clock += 9_999
    listen(refusal('expired'))
    expect(lines.map(([level, fields]) => [level, fields.reason, fields.suppressed])).toEqual([
      ['info', 'expired', undefined],
      ['info', 'wrong_audience', undefined],
      ['warn', 'keys_unavailable', undefined],
    ])
    clock += 1
    listen(refusal('expired'))
    listen(refusal('expired'))
    clock += 10_000
    listen(refusal('keys_unavailable', 503))
    expect(
      lines.slice(3).map(([level, fields, message]) => [level, fields.reason, fields.suppressed, message]),
    ).toEqual([
      ['info', 'expired', 50, 'token rejected: expired (50 more since the last line)'],
      ['warn', 'keys_unavailable', 1, expect.stringContaining('1 more since the last line')],
    ])
  })

  it('logs every refusal with refusalInterval 0, and refuses a bad interval', () => {
    const { logger, lines } = fakeLogger()
    const listen = createLogListener(logger, { refusalInterval: 0 })
    for (let i = 0; i < 3; i++) listen(refusal('expired'))
    expect(lines).toHaveLength(3)
    expect(() => createLogListener(logger, { refusalInterval: -1 })).toThrow(/refusalInterval/)
    expect(() => createLogListener(logger, { now: 5 as never })).toThrow(/now/)
  })

  it('names a wrong introspection secret plainly', () => {
    const { logger, lines } = fakeLogger()
    const listen = createLogListener(logger)
    listen(refusal('introspection_unauthorized', 503))
    listen({
      type: 'introspection',
      outcome: 'error',
      durationMs: 3,
      coalesced: false,
      error: 'client authentication failed',
    })
    expect(lines.map(([level, fields, message]) => [level, fields.why ?? fields.error, message])).toEqual([
      [
        'warn',
        expect.stringContaining('introspection.clientId, clientSecret'),
        'token could not be validated: introspection_unauthorized',
      ],
      [
        'warn',
        'client authentication failed',
        'introspection failed: the endpoint refused our client credentials (check introspection.clientId, clientSecret and clientAuth)',
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
