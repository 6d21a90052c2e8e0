// One fleet instance: run it twice (two PORTs, one REDIS_URL) to see a revocation cross instances.
import { configFromEnv, createInstance } from './app.js'

const config = configFromEnv()
const instance = createInstance(config)
// Ready once the key set and the denylist mirror are loaded (a readiness probe would await this too).
await instance.validator.ready()
const url = await instance.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1')
console.log(`tokenguard fleet instance ${config.instance} on ${url}`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    instance.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
