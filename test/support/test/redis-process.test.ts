import fs from 'node:fs'
import { ping, redisCli, startRedisProcess, stopAllRedisProcesses } from '../src'

afterAll(() => stopAllRedisProcesses())

describe('startRedisProcess', () => {
  test('without persistence: kill -9 and restart on the same port comes back empty', async () => {
    const redis = await startRedisProcess()
    await redis.cli('set', 'k', 'v')
    await redis.kill()
    expect(redis.running).toBe(false)
    expect(await ping(redis.port)).toBe(false)
    await redis.restart()
    expect((await redis.cli('get', 'k')).trim()).toBe('')
    await redis.cleanup()
    expect(fs.existsSync(redis.dir)).toBe(false)
    expect(await ping(redis.port)).toBe(false)
  })

  test('with persistence (AOF, fsync always): kill -9 loses nothing acknowledged; wipe() empties it', async () => {
    const redis = await startRedisProcess({ persistence: 'aof' })
    await redis.cli('set', 'k', 'v')
    await redis.kill()
    await redis.restart()
    expect((await redis.cli('get', 'k')).trim()).toBe('v')
    expect(() => redis.wipe()).toThrow(/stopped/)
    await redis.kill()
    redis.wipe()
    await redis.restart()
    expect((await redis.cli('dbsize')).trim()).toBe('0')
    await redis.cleanup()
  })

  test('SIGSTOP: the port stays open but nothing answers; SIGCONT: it answers again', async () => {
    const redis = await startRedisProcess()
    redis.pause()
    expect(redis.paused).toBe(true)
    expect(await ping(redis.port, '127.0.0.1', 300)).toBe(false)
    redis.resume()
    expect(await ping(redis.port)).toBe(true)
    redis.pause()
    await redis.stop() // thaws first, so SIGTERM is handled
    expect(redis.running).toBe(false)
    await redis.cleanup()
  })

  test('stopAllRedisProcesses kills every process still running, paused ones too', async () => {
    const a = await startRedisProcess()
    const b = await startRedisProcess()
    b.pause()
    await stopAllRedisProcesses()
    expect([a.running, b.running]).toEqual([false, false])
    expect(await ping(a.port)).toBe(false)
    await expect(redisCli(b.port, 'ping')).rejects.toThrow()
  })
})
