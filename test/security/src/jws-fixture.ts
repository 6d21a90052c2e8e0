import { createValidator, type Validator } from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM, type RouteSpec, type RunningApp } from '@tokenguard/conformance'
import { Agent } from 'undici'
import { HARNESSES, attack, bearer, expectRefused, type Refusal } from './attack'
import { ecKey, genuine, rsaKey } from './forge'
import { createTestIssuer, introspectionOf, type TestIssuer } from './issuer'

/**
 * The JWS attack fixture shared by jws-forgery and jws-encoding: the keys, three validators per
 * adapter, and the table runner. The published set holds an RSA and two EC keys with no `alg`
 * member (the widest set a validator can be given), so every refusal comes from the validator's
 * own pinning. `rs` pins RS256; `mix` pins RS256 + ES256 and can introspect (hybrid routes);
 * `hs` pins HS256 with a shared secret.
 */
export const rsa = rsaKey('rsa-main')
export const ec256 = ecKey('ec-256', 'P-256')
export const ec384 = ecKey('ec-384', 'P-384')
export const attacker = rsaKey('attacker')
export const attackerEc = ecKey('attacker-ec', 'P-256')
export const SECRET = Buffer.from('security-suite-shared-secret-0123456789')
const jwks = { keys: [rsa.jwk, ec256.jwk, ec384.jwk] as never[] }

export type App = 'rs' | 'mix' | 'hs'
export type Case = [name: string, app: App, path: string, make: () => string, expected: Refusal | 200]

export const segments = (token: string): string[] => token.split('.')
export const rsGood = (
  header: Record<string, unknown> = {},
  payload: Record<string, unknown> | string = {},
) => genuine(rsa, 'RS256', header, payload)
export const esGood = (): string => genuine(ec256, 'ES256')

export interface JwsApps {
  apps: Record<App, RunningApp>
  validators: Record<App, Validator>
}

/**
 * On every adapter: starts the three apps (routes `/jwt`, `/sensitive`, and `/hybrid` on `mix`),
 * runs each category's cases, and requires that no token was ever sent for introspection.
 * `more` adds tests of its own inside each adapter's block.
 */
export function runJwsCases(
  title: string,
  categories: Array<[string, Case[]]>,
  more?: (fixture: JwsApps) => void,
): void {
  describe.each(HARNESSES)(`$name: ${title}`, (harness) => {
    const fixture: JwsApps = { apps: {} as never, validators: {} as never }
    let as: TestIssuer
    let dispatcher: Agent
    const routes = (hybrid: boolean): RouteSpec[] => [
      { path: '/jwt', method: 'GET', route: { strategy: 'jwt' } },
      { path: '/sensitive', method: 'GET', route: { strategy: 'jwt', sensitive: true } },
      ...(hybrid ? [{ path: '/hybrid', method: 'GET', route: { strategy: 'hybrid' } } as RouteSpec] : []),
    ]

    beforeAll(async () => {
      as = await createTestIssuer()
      dispatcher = new Agent()
      const base = { issuer: ISSUER, audience: AUDIENCE, realm: REALM }
      const { apps, validators } = fixture
      validators.rs = createValidator({ ...base, jwt: { algorithms: ['RS256'], jwks } })
      validators.mix = createValidator({
        ...base,
        jwt: { algorithms: ['RS256', 'ES256'], jwks },
        introspection: introspectionOf(as),
        dispatcher,
      })
      validators.hs = createValidator({ ...base, jwt: { algorithms: ['HS256'], secret: SECRET } })
      apps.rs = await harness.start(validators.rs, routes(false))
      apps.mix = await harness.start(validators.mix, routes(true))
      apps.hs = await harness.start(validators.hs, routes(false))
    })
    afterAll(async () => {
      await Promise.all(Object.values(fixture.apps).map((app) => app.close()))
      await Promise.all(Object.values(fixture.validators).map((validator) => validator.close()))
      await dispatcher?.close()
      await as?.close()
    })

    describe.each(categories)('%s', (_category, cases) => {
      it.each(cases)('%s', async (_name, app, path, make, expected) => {
        const token = make()
        const answer = await attack(fixture.apps[app].url, path, { headers: bearer(token) })
        if (expected === 200) {
          const auth = (answer.json as { auth?: { strategy?: string } } | undefined)?.auth
          expect({ status: answer.status, strategy: auth?.strategy }).toEqual({
            status: 200,
            strategy: 'jwt',
          })
        } else {
          expectRefused(answer, expected, token, REALM)
        }
        expect(as.introspectionsOf(token)).toBe(0) // no JWS-shaped or JWE token is ever sent for introspection
      })
    })

    more?.(fixture)
  })
}
