import type { ResolvedOptions } from './options.js'
import type { Strategies } from './strategies/index.js'
import type { VerifyToken } from './strategies/strategy.js'
import type { RouteOptions, Strategy } from './types.js'

/** A route compiled once: its policy and its strategy's check, ready to run per request. */
export interface CompiledRoute {
  name: string | undefined
  strategy: Strategy
  sensitive: boolean
  optional: boolean
  verify: VerifyToken
}

/** Checks a route's options and compiles its token check once, when the middleware is built (never per request). */
export function compileRoute(
  route: RouteOptions | undefined,
  options: ResolvedOptions,
  strategies: Strategies,
): CompiledRoute {
  const given = route ?? {}
  if (given === null || typeof given !== 'object')
    throw new TypeError('requireToken: route options must be an object')
  const strategy = given.strategy ?? defaultStrategy(options)
  if (strategy !== 'jwt' && strategy !== 'opaque' && strategy !== 'hybrid') {
    throw new TypeError('requireToken: `strategy` must be jwt, opaque or hybrid')
  }
  if ((strategy === 'jwt' || strategy === 'hybrid') && options.jwt === undefined) {
    throw new TypeError(`requireToken: strategy "${strategy}" needs the validator's \`jwt\` options`)
  }
  if ((strategy === 'opaque' || strategy === 'hybrid') && options.introspection === undefined) {
    throw new TypeError(
      `requireToken: strategy "${strategy}" needs the validator's \`introspection\` options`,
    )
  }
  for (const name of ['sensitive', 'optional', 'introspectJwt'] as const) {
    if (given[name] !== undefined && typeof given[name] !== 'boolean') {
      throw new TypeError(`requireToken: \`${name}\` must be a boolean`)
    }
  }
  const sensitive = given.sensitive ?? false
  const introspectJwt = given.introspectJwt ?? false
  if (introspectJwt && (!sensitive || strategies.opaque === undefined || strategy === 'opaque')) {
    throw new TypeError(
      'requireToken: `introspectJwt` applies to sensitive jwt or hybrid routes with `introspection` set',
    )
  }
  const cacheMaxAge = given.cacheMaxAge
  if (
    cacheMaxAge !== undefined &&
    (typeof cacheMaxAge !== 'number' || !Number.isFinite(cacheMaxAge) || cacheMaxAge < 0)
  ) {
    throw new TypeError('requireToken: `cacheMaxAge` must be a non-negative number of seconds')
  }
  if (given.name !== undefined && typeof given.name !== 'string') {
    throw new TypeError('requireToken: `name` must be a string')
  }
  // Sensitive routes never take a cached introspection result unless told how old one may be.
  const cacheMaxAgeMs = cacheMaxAge !== undefined ? cacheMaxAge * 1000 : sensitive ? 0 : undefined
  const opaque = strategies.opaque
  const introspect =
    introspectJwt && opaque !== undefined
      ? // The token's own verified issuer's server (with an issuer resolver, each issuer has its own).
        (token: string, context: { issuer: string | undefined }) =>
          opaque.verify(token, { maxAgeMs: cacheMaxAgeMs, issuer: context.issuer })
      : undefined
  const chosen = strategies.byName[strategy]
  if (chosen === undefined) throw new TypeError(`requireToken: strategy "${strategy}" is not configured`)
  return {
    name: given.name,
    strategy,
    sensitive,
    optional: given.optional ?? false,
    verify: chosen.forRoute({ cacheMaxAgeMs, introspect }),
  }
}

/**
 * The key under which a compiled route is reused: the option values, so `authenticate(req, {…})`
 * with a literal compiles once per distinct policy, not per call.
 */
export function routeKey(route: RouteOptions | undefined): string {
  if (route === undefined || route === null || typeof route !== 'object') return String(route)
  const { name, strategy, sensitive, optional, cacheMaxAge, introspectJwt } = route
  return JSON.stringify([name, strategy, sensitive, optional, cacheMaxAge, introspectJwt])
}

function defaultStrategy(options: ResolvedOptions): Strategy {
  if (options.jwt !== undefined && options.introspection !== undefined) return 'hybrid'
  return options.jwt !== undefined ? 'jwt' : 'opaque'
}
