// Compile-time checks of the public types: `tsc -p test-d` fails if any line stops holding.
import Fastify from 'fastify'
import tokenguard, {
  createValidator,
  guardsFor,
  requireRoles,
  requireScopes,
  requireToken,
  tokenguard as named,
  type AuthContext,
  type TokenClaims,
  type TokenHook,
} from '@tokenguard/fastify'

const tokens = createValidator({ issuer: 'https://i.test/', audience: 'api', jwt: { algorithms: ['RS256'] } })
const app = Fastify()

async function main() {
  await app.register(tokenguard, { validator: tokens })
  await app.register(named, { issuer: 'https://i.test/', audience: 'api', jwt: { algorithms: ['RS256'] } })
  // @ts-expect-error the plugin needs a validator or the validator's options
  await app.register(tokenguard, { realm: 'x' })

  app.get(
    '/items',
    {
      onRequest: app.requireToken({ strategy: 'jwt', sensitive: false }),
      preHandler: app.requireScopes('items:read'),
    },
    async (request) => {
      const auth: AuthContext | undefined = request.auth
      const scopes: readonly string[] | undefined = request.auth?.scopes
      const strategy: 'jwt' | 'opaque' | undefined = request.auth?.strategy
      // @ts-expect-error auth may be undefined (optional routes, routes without requireToken)
      const sure: AuthContext = request.auth
      // @ts-expect-error the context is not a string
      const wrong: string = request.auth
      // The context is read-only all the way down, as the runtime enforces (it is deeply frozen).
      type Realm = { realm_access: { roles: string[] } }
      const typed = request.auth as AuthContext<TokenClaims & Realm> | undefined
      // @ts-expect-error nested claims are read-only: no handler changes them for the next request
      typed?.claims.realm_access.roles.push('admin')
      // @ts-expect-error nested claims are read-only
      if (typed) typed.claims.realm_access.roles[0] = 'admin'
      // @ts-expect-error claims are read-only
      if (typed) typed.claims.sub = 'mallory'
      // @ts-expect-error scopes are read-only
      typed?.scopes.push('admin')
      // @ts-expect-error context fields are read-only
      if (typed) typed.subject = 'mallory'
      const roles: readonly string[] | undefined = typed?.claims.realm_access.roles
      return { auth, scopes, strategy, sure, wrong, roles }
    },
  )
  app.get(
    '/admin',
    { onRequest: app.requireToken(), preHandler: [app.requireRoles('admin'), requireRoles('a')] },
    async (request) => {
      const roles: readonly string[] | undefined = request.auth?.roles
      return { roles }
    },
  )
  // Arrays, preValidation, and typed route generics all take the hooks.
  app.post<{ Body: { access_token?: string } }>(
    '/form',
    {
      preValidation: [app.requireToken()],
      preHandler: [app.requireAnyScope('a', 'b'), app.requireClaims((c) => c.sub === 'x')],
    },
    async (request) => request.body,
  )
  app.get(
    '/standalone',
    { onRequest: requireToken(tokens), preHandler: requireScopes('x') },
    async () => ({}),
  )

  const hook: TokenHook = app.requireToken({ errors: 'next', optional: true, cacheMaxAge: 0 })
  void hook
  // @ts-expect-error strategy is one of jwt | opaque | hybrid
  app.requireToken({ strategy: 'magic' })
  // @ts-expect-error errors is respond | next
  app.requireToken({ errors: 'throw' })
  // @ts-expect-error scopes are strings
  app.requireScopes(1)
  // @ts-expect-error issuer is required in inline options
  requireToken({ audience: 'api', jwt: { algorithms: ['RS256'] } })
  // @ts-expect-error sensitive is a boolean
  requireToken(tokens, { sensitive: 'yes' })
  // @ts-expect-error a claims check returns a boolean
  app.requireClaims((claims) => claims.sub)
  // Guards bound to a validator take the same arguments as the plugin's.
  const bound = guardsFor(tokens)
  const reportsHook: TokenHook = bound.requireScopes('reports:read')
  void reportsHook
  // @ts-expect-error scopes are strings
  bound.requireScopes(1)
  app.requireClaims((claims) => {
    // @ts-expect-error a claims check sees read-only claims (they are frozen)
    claims.sub = 'mallory'
    return true
  })
  // The "no auth" value is `undefined` on every adapter, never `null`.
  app.get('/maybe', { onRequest: app.requireToken({ optional: true }) }, async (request) => {
    const none: AuthContext | undefined = request.auth
    // @ts-expect-error null is not the "no auth" value
    const nil: AuthContext | null = request.auth
    return { none, nil }
  })
}
void main
