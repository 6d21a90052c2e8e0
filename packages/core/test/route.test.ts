import { resolveOptions, type ResolvedOptions, type ValidatorOptions } from '../src/options'
import { compileRoute } from '../src/route'
import type { Strategies } from '../src/strategies/index'
import type { RoutePolicy, TokenStrategy } from '../src/strategies/strategy'
import type { RouteOptions } from '../src/types'

const base: ValidatorOptions = {
  issuer: 'https://issuer.test/',
  audience: 'https://api.test',
  jwt: { algorithms: ['RS256'] },
}

// The strategies stand in for the real ones: these tests are about what a route compiles, once.
const policies: RoutePolicy[] = []
const recording: TokenStrategy = {
  forRoute(policy) {
    policies.push(policy)
    return () => Promise.reject(new Error('not run here'))
  },
}
function compile(route: RouteOptions | undefined, options: ResolvedOptions) {
  const jwt = options.jwt === undefined ? undefined : recording
  const opaque = options.introspection === undefined ? undefined : recording
  const strategies = {
    jwt,
    opaque: opaque && { verify: () => Promise.reject(new Error('not run here')) },
    byName: { jwt, opaque, hybrid: jwt && opaque },
    keySets: undefined,
  } as unknown as Strategies
  return compileRoute(route, options, strategies)
}

describe('compileRoute', () => {
  const both = resolveOptions({ ...base, introspection: { clientId: 'a', clientSecret: 's' } })
  const jwtOnly = resolveOptions(base)
  const opaqueOnly = resolveOptions({
    ...base,
    jwt: undefined,
    introspection: { clientId: 'a', clientSecret: 's' },
  })

  it.each([
    [both, 'hybrid'],
    [jwtOnly, 'jwt'],
    [opaqueOnly, 'opaque'],
  ])('defaults the strategy from what is configured', (options, strategy) => {
    expect(compile(undefined, options).strategy).toBe(strategy)
  })

  it('makes sensitive routes introspect fresh unless told otherwise', () => {
    expect(compile({ sensitive: true }, both)).toMatchObject({
      strategy: 'hybrid',
      sensitive: true,
      optional: false,
    })
    expect(policies.pop()).toEqual({ cacheMaxAgeMs: 0, introspect: undefined })
    compile({ sensitive: true, cacheMaxAge: 5 }, both)
    expect(policies.pop()?.cacheMaxAgeMs).toBe(5000)
    compile({}, both)
    expect(policies.pop()?.cacheMaxAgeMs).toBeUndefined()
  })

  it('hands the route its JWT introspection only when asked (sensitive jwt or hybrid routes)', () => {
    compile({ sensitive: true, introspectJwt: true }, both)
    expect(policies.pop()?.introspect).toEqual(expect.any(Function))
    compile({ sensitive: true }, both)
    expect(policies.pop()?.introspect).toBeUndefined()
  })

  it.each<[string, unknown, typeof both, RegExp]>([
    ['an unknown strategy', { strategy: 'magic' }, both, /`strategy`/],
    ['jwt without jwt options', { strategy: 'jwt' }, opaqueOnly, /needs the validator's `jwt`/],
    [
      'opaque without introspection',
      { strategy: 'opaque' },
      jwtOnly,
      /needs the validator's `introspection`/,
    ],
    [
      'hybrid without introspection',
      { strategy: 'hybrid' },
      jwtOnly,
      /needs the validator's `introspection`/,
    ],
    ['a string sensitive', { sensitive: 'yes' }, both, /`sensitive`/],
    ['a negative cacheMaxAge', { cacheMaxAge: -1 }, both, /`cacheMaxAge`/],
    ['introspectJwt on a normal route', { introspectJwt: true }, both, /`introspectJwt`/],
    [
      'introspectJwt on an opaque route',
      { strategy: 'opaque', sensitive: true, introspectJwt: true },
      both,
      /`introspectJwt`/,
    ],
  ])('throws a TypeError for %s', (_, route, options, message) => {
    expect(() => compile(route as never, options)).toThrow(message)
  })
})
