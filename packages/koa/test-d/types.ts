// Compile-time checks of the public types: `tsc -p test-d` fails if any line stops holding.
import Koa from 'koa'
import Router from '@koa/router'
import {
  createValidator,
  guardsFor,
  requireAnyScope,
  requireClaims,
  requireRoles,
  requireScopes,
  requireToken,
  type AuthContext,
  type TokenClaims,
  type TokenMiddleware,
} from '@tokenguard/koa'

const tokens = createValidator({ issuer: 'https://i.test/', audience: 'api', jwt: { algorithms: ['RS256'] } })
const router = new Router()

// ctx.state.auth is typed through the middleware chain: no global augmentation.
router.get(
  '/items',
  requireToken(tokens, { strategy: 'jwt', sensitive: false }),
  requireScopes('items:read'),
  (ctx) => {
    const auth: AuthContext | undefined = ctx.state.auth
    const scopes: readonly string[] | undefined = ctx.state.auth?.scopes
    const strategy: 'jwt' | 'opaque' | undefined = ctx.state.auth?.strategy
    // @ts-expect-error auth may be undefined (optional routes)
    const sure: AuthContext = ctx.state.auth
    // @ts-expect-error the context is not a string
    const wrong: string = ctx.state.auth
    // The context is read-only all the way down, as the runtime enforces (it is deeply frozen).
    type Realm = { realm_access: { roles: string[] } }
    const typed = ctx.state.auth as AuthContext<TokenClaims & Realm> | undefined
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
    ctx.body = { auth, scopes, strategy, sure, wrong, roles }
  },
)
router.get(
  '/any',
  requireToken(tokens),
  requireAnyScope('a', 'b'),
  requireClaims((c) => c.sub === 'x'),
  (ctx) => {
    ctx.body = ctx.state.auth?.subject
  },
)

// Claims are generic end to end.
const typed = createValidator<{ tenant: string }>({
  issuer: 'https://i.test/',
  audience: 'api',
  jwt: { algorithms: ['RS256'] },
})
const middleware: TokenMiddleware<{ tenant: string }> = requireToken(typed)
new Koa().use(middleware).use((ctx) => {
  const tenant: string | undefined = ctx.state.auth?.claims.tenant
  ctx.body = tenant
})
new Koa().use(requireToken(tokens)).use((ctx) => {
  const subject: string | undefined = ctx.state.auth?.subject
  ctx.body = subject
})

// @ts-expect-error strategy is one of jwt | opaque | hybrid
requireToken(tokens, { strategy: 'magic' })
// @ts-expect-error errors is respond | next
requireToken(tokens, { errors: 'throw' })
// @ts-expect-error issuer is required in inline options
requireToken({ audience: 'api', jwt: { algorithms: ['RS256'] } })
// @ts-expect-error cacheMaxAge is a number of seconds
requireToken(tokens, { cacheMaxAge: '10' })
// @ts-expect-error a claims check returns a boolean
requireClaims((claims) => claims.sub)

// Guards bound to a validator take the same arguments as the free ones.
const bound = guardsFor(tokens)
new Koa().use(bound.requireScopes('reports:read')).use(bound.requireAnyScope('a', 'b'))
// @ts-expect-error a claims check returns a boolean
bound.requireClaims((claims) => claims.sub)
requireClaims((claims) => {
  // @ts-expect-error a claims check sees read-only claims (they are frozen)
  claims.sub = 'mallory'
  return true
})

router.get('/admin', requireToken(tokens), requireRoles('admin'), (ctx) => {
  const roles: readonly string[] | undefined = ctx.state.auth?.roles
  ctx.body = roles
})

// The "no auth" value is `undefined` on every adapter, never `null`.
router.get('/maybe', requireToken(tokens, { optional: true }), (ctx) => {
  const none: AuthContext | undefined = ctx.state.auth
  // @ts-expect-error null is not the "no auth" value
  const nil: AuthContext | null = ctx.state.auth
  ctx.body = { none, nil }
})
