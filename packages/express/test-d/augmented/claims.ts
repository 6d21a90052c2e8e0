// One declaration types the claims everywhere: `req.auth`, `requireClaims`, `authOf`.
import express from 'express'
import { authOf, createValidator, requireClaims, requireToken, type TokenClaims } from '@tokenguard/express'

declare module '@tokenguard/core' {
  interface TokenguardTypes {
    claims: TokenClaims & { tenant: string; org: { id: string } }
  }
}

const tokens = createValidator({ issuer: 'https://i.test/', audience: 'api', jwt: { algorithms: ['RS256'] } })
const app = express()
app.get(
  '/items',
  requireToken(tokens),
  requireClaims((claims) => claims.tenant === 'acme' && claims.org.id === 'o1'),
  (req, res) => {
    const tenant: string | undefined = req.auth?.claims.tenant
    const org: string | undefined = authOf(req)?.claims.org.id
    // @ts-expect-error tenant is a string
    const wrong: number | undefined = req.auth?.claims.tenant
    // @ts-expect-error declared claims are read-only too
    if (req.auth) req.auth.claims.org.id = 'o2'
    res.json({ tenant, org, wrong })
  },
)
// A route with claims of its own still names them.
requireClaims<TokenClaims & { level: number }>((claims) => claims.level > 2)
// @ts-expect-error a claim the declaration does not have
requireClaims((claims) => claims.level > 2)
