// Compile-time checks of the public types: `tsc -p test-d` fails if any line stops holding.
import express from 'express'
import {
  createValidator,
  guardsFor,
  requireScopes,
  requireToken,
  type AuthContext,
  requireClaims,
  type TokenClaims,
  requireRoles,
} from '@tokenguard/express'

const tokens = createValidator({ issuer: 'https://i.test/', audience: 'api', jwt: { algorithms: ['RS256'] } })
const app = express()

app.get(
  '/items',
  requireToken(tokens, { strategy: 'jwt', sensitive: false }),
  requireScopes('items:read'),
  (req, res) => {
    const auth: AuthContext | undefined = req.auth
    const scopes: readonly string[] | undefined = req.auth?.scopes
    const strategy: 'jwt' | 'opaque' | undefined = req.auth?.strategy
    // @ts-expect-error the context is read-only information, not a string
    const wrong: string = req.auth
    // The context is read-only all the way down, as the runtime enforces (it is deeply frozen).
    type Realm = { realm_access: { roles: string[] } }
    const typed = req.auth as AuthContext<TokenClaims & Realm> | undefined
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
    res.json({ auth, scopes, strategy, wrong, roles })
  },
)

// @ts-expect-error strategy is one of jwt | opaque | hybrid
requireToken(tokens, { strategy: 'magic' })
// @ts-expect-error errors is respond | next
requireToken(tokens, { errors: 'throw' })
// @ts-expect-error issuer is required in inline options
requireToken({ audience: 'api', jwt: { algorithms: ['RS256'] } })
// @ts-expect-error algorithms is required
createValidator({ issuer: 'https://i.test/', audience: 'api', jwt: {} })
createValidator({
  issuer: 'https://i.test/',
  audience: 'api',
  // @ts-expect-error introspection needs clientId and clientSecret
  introspection: { endpoint: 'https://i.test/x' },
})

// Guards bound to a validator take the same arguments as the free ones.
const bound = guardsFor(tokens)
app.get(
  '/reports',
  bound.requireScopes('reports:read'),
  bound.requireClaims((claims) => claims.sub === 'a'),
)
// @ts-expect-error scopes are strings
bound.requireScopes(1)
// @ts-expect-error guardsFor takes a validator, not its options
guardsFor({ issuer: 'https://i.test/', audience: 'api' })
requireClaims((claims) => {
  // @ts-expect-error a claims check sees read-only claims (they are frozen)
  claims.sub = 'mallory'
  return true
})

// Provider profiles: issuer entries beside plain strings, a validator-wide profile, profile objects.
createValidator({
  issuer: ['https://i.test/', { url: 'https://t.auth0.test/', profile: 'auth0', audience: ['api', 'api2'] }],
  audience: 'api',
  profile: { extends: 'keycloak', roleClaims: ['groups', ['org', 'roles']], typ: ['JWT', null] },
  jwt: { algorithms: ['RS256'] },
})
createValidator({
  issuer: 'https://i.test/',
  audience: 'api',
  // @ts-expect-error profile is one of the named profiles
  profile: 'google',
  jwt: { algorithms: ['RS256'] },
})
// @ts-expect-error an issuer entry needs its url
createValidator({ issuer: [{ profile: 'okta' }], audience: 'api', jwt: { algorithms: ['RS256'] } })
app.get('/admin', requireToken(tokens), requireRoles('admin'), (req, res) => {
  const roles: readonly string[] | undefined = req.auth?.roles
  // @ts-expect-error roles are read-only
  req.auth?.roles.push('root')
  res.json({ roles })
})

// The "no auth" value is `undefined` on every adapter, never `null`.
app.get('/maybe', requireToken(tokens, { optional: true }), (req, res) => {
  const none: AuthContext | undefined = req.auth
  // @ts-expect-error null is not the "no auth" value
  const nil: AuthContext | null = req.auth
  res.json({ none, nil })
})
