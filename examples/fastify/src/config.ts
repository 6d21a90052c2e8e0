import type { EventListener, Store } from '@tokenguard/fastify'

/** Everything the example needs to know about its authorization server. */
export interface ExampleConfig {
  /** The authorization server's issuer URL (its metadata gives the JWKS and introspection endpoints). */
  issuer: string
  /** This API's identifier(s): a token's `aud` must contain one. */
  audience: string | string[]
  /** This API's client credentials at the authorization server (for introspection). */
  clientId: string
  clientSecret: string
  /** Accepted JWT signing algorithms. Default RS256 and ES256. */
  algorithms?: string[]
  /** A Redis URL: the denylist and introspection cache then live in Redis (`RedisStore`). */
  redisUrl?: string
  /** A store of your own instead (wins over `redisUrl`). */
  store?: Store
  /** Receives every decision and network call (metrics, logs); never the token. */
  onEvent?: EventListener
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)

/** Reads ISSUER, AUDIENCE (comma list), CLIENT_ID, CLIENT_SECRET, JWT_ALGORITHMS, REDIS_URL. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const missing = ['ISSUER', 'AUDIENCE', 'CLIENT_ID', 'CLIENT_SECRET'].filter((name) => !env[name])
  if (missing.length > 0)
    throw new Error(`missing environment variable(s): ${missing.join(', ')} (see README.md)`)
  const algorithms = list(env.JWT_ALGORITHMS)
  return {
    issuer: env.ISSUER!,
    audience: list(env.AUDIENCE),
    clientId: env.CLIENT_ID!,
    clientSecret: env.CLIENT_SECRET!,
    ...(algorithms.length > 0 ? { algorithms } : {}),
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
  }
}
