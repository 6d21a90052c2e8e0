import type { ResolvedOptions } from './options.js'
import type { RouteOptions, Strategy } from './types.js'

export interface ResolvedRoute {
  name: string | undefined
  strategy: Strategy
  sensitive: boolean
  optional: boolean
  /** Oldest cached introspection result this route accepts, in seconds; undefined: the validator's own bound. */
  cacheMaxAge: number | undefined
  introspectJwt: boolean
}

/** Checks a route's options once, when the middleware is built (never per request). */
export function resolveRoute(route: RouteOptions | undefined, options: ResolvedOptions): ResolvedRoute {
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
  if (introspectJwt && (!sensitive || options.introspection === undefined || strategy === 'opaque')) {
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
  return {
    name: given.name,
    strategy,
    sensitive,
    optional: given.optional ?? false,
    // Sensitive routes never take a cached introspection result unless told how old one may be.
    cacheMaxAge: cacheMaxAge ?? (sensitive ? 0 : undefined),
    introspectJwt,
  }
}

function defaultStrategy(options: ResolvedOptions): Strategy {
  if (options.jwt !== undefined && options.introspection !== undefined) return 'hybrid'
  return options.jwt !== undefined ? 'jwt' : 'opaque'
}
