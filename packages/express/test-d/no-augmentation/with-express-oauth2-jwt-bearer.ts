// Both libraries in one program, lib checks on: express-oauth2-jwt-bearer declares `req.auth` as
// its own result type, and the entry point without our global declaration compiles beside it.
// (With the main entry point the two `req.auth` declarations clash: TS2717.)
import express from 'express'
import { auth as auth0, type AuthResult } from 'express-oauth2-jwt-bearer'
import {
  authOf,
  createValidator,
  requireScopes,
  requireToken,
  type AuthContext,
} from '@tokenguard/express/no-augmentation'

const tokens = createValidator({ issuer: 'https://i.test/', audience: 'api', jwt: { algorithms: ['RS256'] } })
const app = express()

// The route still on the old library keeps its type.
app.get('/legacy', auth0({ issuerBaseURL: 'https://i.test/', audience: 'api' }), (req, res) => {
  const legacy: AuthResult | undefined = req.auth
  res.json({ sub: legacy?.payload.sub })
})

// The migrated route reads our context through authOf.
app.get('/items', requireToken(tokens), requireScopes('items:read'), (req, res) => {
  const context: AuthContext | undefined = authOf(req)
  const subject: string | undefined = authOf(req)?.subject
  // @ts-expect-error req.auth is the other library's type here, not ours
  const wrong: AuthContext = req.auth!
  res.json({ context, subject, wrong })
})
