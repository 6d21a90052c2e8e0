// Compile-time checks of the public types: `tsc -p test-d` fails if any line stops holding.
import express from 'express'
import {
  createValidator,
  requireRoles,
  requireScopes,
  requireToken,
  type AuthContext,
} from '@tokenguard/express'

const tokens = createValidator({ issuer: 'https://i.test/', audience: 'api', jwt: { algorithms: ['RS256'] } })
const app = express()

app.get(
  '/items',
  requireToken(tokens, { strategy: 'jwt', sensitive: false }),
  requireScopes('items:read'),
  (req, res) => {
    const auth: AuthContext | undefined = req.auth
    const scopes: string[] | undefined = req.auth?.scopes
    const strategy: 'jwt' | 'opaque' | undefined = req.auth?.strategy
    // @ts-expect-error the context is read-only information, not a string
    const wrong: string = req.auth
    res.json({ auth, scopes, strategy, wrong })
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
