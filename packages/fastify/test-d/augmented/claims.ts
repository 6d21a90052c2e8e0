// One declaration types the claims everywhere: `request.auth`, `requireClaims`, `app.requireClaims`.
import Fastify from 'fastify'
import tokenguard, {
  createValidator,
  requireClaims,
  requireToken,
  type TokenClaims,
} from '@tokenguard/fastify'

declare module '@tokenguard/core' {
  interface TokenguardTypes {
    claims: TokenClaims & { tenant: string; org: { id: string } }
  }
}

const tokens = createValidator({ issuer: 'https://i.test/', audience: 'api', jwt: { algorithms: ['RS256'] } })
const app = Fastify()
void app.register(tokenguard, { validator: tokens })
app.get(
  '/items',
  {
    onRequest: requireToken(tokens),
    preHandler: [
      requireClaims((claims) => claims.tenant === 'acme'),
      app.requireClaims((claims) => claims.org.id === 'o1'),
    ],
  },
  async (request) => {
    const tenant: string | undefined = request.auth?.claims.tenant
    // @ts-expect-error tenant is a string
    const wrong: number | undefined = request.auth?.claims.tenant
    // @ts-expect-error declared claims are read-only too
    if (request.auth) request.auth.claims.org.id = 'o2'
    return { tenant, wrong }
  },
)
// A route with claims of its own still names them.
requireClaims<TokenClaims & { level: number }>((claims) => claims.level > 2)
// @ts-expect-error a claim the declaration does not have
requireClaims((claims) => claims.level > 2)
