// Compile-time checks of the public types: `tsc -p test-d` fails if any line stops holding.
import Koa from 'koa'
import Router from '@koa/router'
import {
  createValidator,
  requireAnyScope,
  requireClaims,
  requireRoles,
  requireScopes,
  requireToken,
  type AuthContext,
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
    const scopes: string[] | undefined = ctx.state.auth?.scopes
    const strategy: 'jwt' | 'opaque' | undefined = ctx.state.auth?.strategy
    // @ts-expect-error auth may be undefined (optional routes)
    const sure: AuthContext = ctx.state.auth
    // @ts-expect-error the context is not a string
    const wrong: string = ctx.state.auth
    ctx.body = { auth, scopes, strategy, sure, wrong }
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

router.get('/admin', requireToken(tokens), requireRoles('admin'), (ctx) => {
  const roles: readonly string[] | undefined = ctx.state.auth?.roles
  ctx.body = roles
})
