// Reads the environment, listens on PORT (default 3000), and shuts down cleanly on SIGINT/SIGTERM.
import { configFromEnv, createApp } from './app.js'

const example = createApp(configFromEnv())
const url = await example.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1')
console.log(`tokenguard Express example on ${url} (routes: /public /items /orders /profile POST /payments)`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    example.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
