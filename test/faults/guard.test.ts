/**
 * The guard every case ends with can fail: an ioredis connection that errors with no 'error'
 * listener is recorded.
 */
import { Redis } from 'ioredis'
import { freePort } from '@tokenguard/test-support'
import { unhandled } from './src/setup'

test("an ioredis 'error' event nobody listens to is recorded", async () => {
  const port = await freePort() // nothing listens there: the connection is refused
  const client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 1000 })
  try {
    for (let i = 0; i < 40 && unhandled.length === 0; i++) await new Promise((r) => setTimeout(r, 25))
  } finally {
    client.disconnect()
  }
  expect(unhandled).toEqual([expect.stringMatching(/^ioredis: unhandled 'error' event .*ECONNREFUSED/)])
  unhandled.length = 0
})
