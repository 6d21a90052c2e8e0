/**
 * Every case must end without an unhandled error: a rejected promise nobody awaited or an
 * exception thrown from a callback (Jest fails the test on those by itself; recorded here too),
 * or an ioredis connection emitting 'error' with no listener. ioredis would print "[ioredis]
 * Unhandled error event" for that, but under Jest its `instanceof Error` check fails for errors
 * from Node's own realm (socket errors) and it says nothing: so its emit is watched directly.
 * Collected in `unhandled`, asserted empty at the end of each case.
 */
import { Redis } from 'ioredis'

export const unhandled: string[] = []

const onRejection = (reason: unknown) => unhandled.push(`unhandledRejection: ${String(reason)}`)
const onException = (error: unknown) => unhandled.push(`uncaughtException: ${String(error)}`)
process.on('unhandledRejection', onRejection)
process.on('uncaughtException', onException)

type Emitter = { silentEmit(event: string, arg?: unknown): unknown }
const proto = Redis.prototype as unknown as Emitter
const silentEmit = proto.silentEmit
proto.silentEmit = function (this: Redis, event: string, arg?: unknown) {
  // The cases ioredis itself stays quiet about: a connection that already ended, or is being closed.
  const quiet = this.status === 'end' || (this as unknown as { manuallyClosing?: boolean }).manuallyClosing
  if (event === 'error' && !quiet && this.listenerCount('error') === 0) {
    unhandled.push(
      `ioredis: unhandled 'error' event on a connection to port ${this.options.port}: ${String(arg)}`,
    )
  }
  // eslint-disable-next-line prefer-rest-params
  return silentEmit.apply(this, arguments as unknown as [string, unknown])
}

afterAll(() => {
  process.off('unhandledRejection', onRejection)
  process.off('uncaughtException', onException)
  proto.silentEmit = silentEmit
})
