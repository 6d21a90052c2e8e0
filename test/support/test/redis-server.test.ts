import { ping, startRedis } from '../src'

describe('startRedis', () => {
  test('start, PING, kill, restart on the same port, stop', async () => {
    const redis = await startRedis()
    try {
      expect(redis.canRestart).toBe(true)
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`)
      expect(await ping(redis.port)).toBe(true)
      await redis.kill()
      expect(await ping(redis.port)).toBe(false)
      await redis.restart()
      expect(await ping(redis.port)).toBe(true)
    } finally {
      await redis.stop()
    }
    expect(await ping(redis.port)).toBe(false)
  })

  test('REDIS_URL: used as is, not restartable', async () => {
    process.env.REDIS_URL = 'redis://127.0.0.1:6390'
    try {
      const redis = await startRedis()
      expect(redis).toMatchObject({ url: 'redis://127.0.0.1:6390', port: 6390, canRestart: false })
      await expect(redis.kill()).rejects.toThrow(/REDIS_URL/)
      await redis.stop()
    } finally {
      delete process.env.REDIS_URL
    }
  })

  test('no redis-server on PATH: a helpful error', async () => {
    const path = process.env.PATH
    process.env.PATH = '/nonexistent'
    try {
      await expect(startRedis()).rejects.toThrow(/apt-get install -y redis-server.*REDIS_URL/)
    } finally {
      process.env.PATH = path
    }
  })
})
