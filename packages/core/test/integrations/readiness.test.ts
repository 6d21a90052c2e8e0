import { UnavailableError } from '../../src/errors.js'
import { createReadinessCheck } from '../../src/integrations/readiness.js'

describe('createReadinessCheck', () => {
  it('answers 200 ready once validator.ready() resolves', async () => {
    const check = createReadinessCheck({ ready: async () => {} })
    await expect(check()).resolves.toEqual({ ready: true, status: 200, body: { status: 'ready' } })
  })

  it('answers 503 with the reason of a TokenError, and a vague one for anything else', async () => {
    const keysDown = createReadinessCheck({
      ready: async () => {
        throw new UnavailableError({
          reason: 'keys_unavailable',
          cause: new Error('connect ECONNREFUSED 10.0.0.7:443'),
        })
      },
    })
    await expect(keysDown()).resolves.toEqual({
      ready: false,
      status: 503,
      body: { status: 'not_ready', error: 'keys_unavailable' },
    })
    const broken = createReadinessCheck({
      ready: () => {
        throw new Error('secret internal detail')
      },
    })
    const result = await broken()
    expect(result).toEqual({ ready: false, status: 503, body: { status: 'not_ready', error: 'unavailable' } })
  })

  it('answers 503 timeout when ready() takes longer than timeoutMs, and recovers later', async () => {
    let release: () => void = () => {}
    const slow = new Promise<void>((resolve) => (release = resolve))
    const check = createReadinessCheck({ ready: () => slow }, { timeoutMs: 20 })
    const started = Date.now()
    await expect(check()).resolves.toEqual({
      ready: false,
      status: 503,
      body: { status: 'not_ready', error: 'timeout' },
    })
    expect(Date.now() - started).toBeLessThan(1000)
    release()
    await expect(check()).resolves.toMatchObject({ ready: true, status: 200 })
  })

  it('refuses a bad timeout at construction', () => {
    expect(() => createReadinessCheck({ ready: async () => {} }, { timeoutMs: 0 })).toThrow(TypeError)
    expect(() => createReadinessCheck({ ready: async () => {} }, { timeoutMs: Number.NaN })).toThrow(
      TypeError,
    )
  })
})
