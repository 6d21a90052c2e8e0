/**
 * Every case must end without an unhandled error: a rejected promise nobody awaited, an exception
 * thrown from a timer or socket callback, or an ioredis connection emitting 'error' with no
 * listener (ioredis then prints "[ioredis] Unhandled error event"). Collected here, asserted by
 * `expectNoUnhandledErrors()` at the end of each case.
 */
export const unhandled: string[] = []

const onRejection = (reason: unknown) => unhandled.push(`unhandledRejection: ${String(reason)}`)
const onException = (error: unknown) => unhandled.push(`uncaughtException: ${String(error)}`)
process.on('unhandledRejection', onRejection)
process.on('uncaughtException', onException)

const consoleError = console.error
console.error = (...args: unknown[]) => {
  if (args.some((a) => String(a).includes('Unhandled error event')))
    unhandled.push(`ioredis: ${args.join(' ')}`)
  consoleError(...args)
}

afterAll(() => {
  process.off('unhandledRejection', onRejection)
  process.off('uncaughtException', onException)
  console.error = consoleError
})
