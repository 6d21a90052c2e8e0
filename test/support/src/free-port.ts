import net from 'node:net'

/**
 * A TCP port that was free a moment ago on 127.0.0.1: listen on port 0, read the port the
 * kernel chose, close. There is a small race (someone else may take it before the caller
 * binds); good enough for tests, and callers that can bind port 0 themselves should do so.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close((err) => (err ? reject(err) : resolve(port)))
    })
  })
}
