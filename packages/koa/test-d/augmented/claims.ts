// One declaration types the claims everywhere: `ctx.state.auth`, `requireClaims`, `TokenMiddleware`.
import Koa from 'koa'
import Router from '@koa/router'
import { createValidator, requireClaims, requireToken, type TokenClaims } from '@tokenguard/koa'

declare module '@tokenguard/core' {
  interface TokenguardTypes {
    claims: TokenClaims & { tenant: string; org: { id: string } }
  }
}

const tokens = createValidator({ issuer: 'https://i.test/', audience: 'api', jwt: { algorithms: ['RS256'] } })
new Router().get(
  '/items',
  requireToken(tokens),
  requireClaims((claims) => claims.tenant === 'acme' && claims.org.id === 'o1'),
  (ctx) => {
    const tenant: string | undefined = ctx.state.auth?.claims.tenant
    // @ts-expect-error tenant is a string
    const wrong: number | undefined = ctx.state.auth?.claims.tenant
    // @ts-expect-error declared claims are read-only too
    if (ctx.state.auth) ctx.state.auth.claims.org.id = 'o2'
    ctx.body = { tenant, wrong }
  },
)
new Koa().use(requireToken(tokens)).use((ctx) => {
  const org: string | undefined = ctx.state.auth?.claims.org.id
  ctx.body = org
})
// A route with claims of its own still names them, through requireToken<C> or the validator.
requireClaims<TokenClaims & { level: number }>((claims) => claims.level > 2)
const leveled = createValidator<TokenClaims & { level: number }>({
  issuer: 'https://i.test/',
  audience: 'api',
})
new Koa().use(requireToken(leveled)).use((ctx) => {
  const level: number | undefined = ctx.state.auth?.claims.level
  ctx.body = level
})
// @ts-expect-error a claim the declaration does not have
requireClaims((claims) => claims.level > 2)
