import { createValidator, type Validator, type ValidatorOptions } from '@tokenguard/core'
import { Agent } from 'undici'
import type { Harness, RouteSpec, RunningApp } from './harness'
import { bearer, send, type Answer } from './http-client'
import { createTestIssuer, type TestIssuer } from '../../../packages/testing/src/index'
import {
  AUDIENCE,
  ISSUER,
  REALM,
  accessToken,
  jweShapedToken,
  signingKey,
  unsecuredToken,
  type SigningKey,
} from './tokens'

const INVALID = 'The access token is invalid'
const challenge = (error: string, description: string, extra = '') =>
  `Bearer realm="${REALM}", error="${error}", error_description="${description}"${extra}`

/** Every refusal: exact status, `WWW-Authenticate`, JSON body; and nothing a client should not see. */
export function expectRefusal(
  answer: Answer,
  status: number,
  wwwAuthenticate: string | undefined,
  body: { error: string; error_description: string },
  token?: string,
): void {
  expect({
    status: answer.status,
    wwwAuthenticate: answer.headers['www-authenticate'],
    body: answer.json,
  }).toEqual({
    status,
    wwwAuthenticate,
    body,
  })
  expect(answer.headers['content-type']).toMatch(/^application\/json/)
  expectNothingLeaked(answer, token)
}

/** No stack trace, no token: a refusal says what went wrong in generic words only. */
export function expectNothingLeaked(answer: Answer, token?: string): void {
  expect(answer.text).not.toMatch(/stack|\n\s+at /i)
  if (token !== undefined && token.length > 0) expect(answer.text).not.toContain(token)
}

/** What the handler sends back for `auth`: the context core builds, through JSON. */
export function serialised(value: unknown): unknown {
  return JSON.parse(JSON.stringify({ auth: value ?? null }))
}

export const jwtRoutes: RouteSpec[] = [
  { path: '/plain', method: 'GET', route: {} },
  { path: '/items', method: 'GET', route: {}, scopes: ['items:read'] },
  { path: '/admin', method: 'GET', route: {}, scopes: ['items:read', 'admin'] },
  { path: '/any', method: 'GET', route: {}, anyScopes: ['admin', 'items:read'] },
  { path: '/any-missing', method: 'GET', route: {}, anyScopes: ['admin', 'root'] },
  { path: '/tenant', method: 'GET', route: {}, claims: (claims) => claims.tenant === 'acme' },
  { path: '/step-up', method: 'GET', route: {}, stepUp: { acrValues: ['urn:mfa'], maxAge: 600 } },
  { path: '/maybe', method: 'GET', route: { optional: true } },
  { path: '/guard-only', method: 'GET', route: false, scopes: ['items:read'] },
  { path: '/guard-only-any', method: 'GET', route: false, anyScopes: ['items:read'] },
  { path: '/guard-only-claims', method: 'GET', route: false, claims: () => true },
  { path: '/guard-only-step-up', method: 'GET', route: false, stepUp: { acrValues: ['urn:mfa'] } },
  { path: '/maybe-items', method: 'GET', route: { optional: true }, scopes: ['items:read'] },
  { path: '/maybe-any', method: 'GET', route: { optional: true }, anyScopes: ['items:read'] },
  { path: '/maybe-claims', method: 'GET', route: { optional: true }, claims: () => true },
  { path: '/maybe-step-up', method: 'GET', route: { optional: true }, stepUp: { acrValues: ['urn:mfa'] } },
  { path: '/form', method: 'POST', route: {}, formBody: true },
  { path: '/next', method: 'GET', route: { errors: 'next' }, scopes: ['admin'] },
]

export const opaqueRoutes: RouteSpec[] = [
  { path: '/opaque', method: 'GET', route: { strategy: 'opaque' } },
  { path: '/opaque-sensitive', method: 'GET', route: { strategy: 'opaque', sensitive: true } },
  { path: '/opaque-write', method: 'GET', route: { strategy: 'opaque' }, scopes: ['items:write'] },
  { path: '/hybrid', method: 'GET', route: { strategy: 'hybrid' } },
]

export function jwtOptions(key: SigningKey, extra: Partial<ValidatorOptions> = {}): ValidatorOptions {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    realm: REALM,
    jwt: { algorithms: ['RS256'], jwks: { keys: [key.publicJwk] } },
    ...extra,
  }
}

/**
 * The behaviour every adapter must show, over real HTTP on 127.0.0.1: same requests, same status,
 * `WWW-Authenticate` and JSON body. Each adapter runs it with its harness:
 *
 * @example
 * runConformanceSuite(expressHarness)
 */
export function runConformanceSuite(harness: Harness): void {
  describe(`${harness.name}: conformance`, () => {
    let key: SigningKey
    let jwt: Validator
    let app: RunningApp
    let extras: RunningApp
    let good: string

    beforeAll(async () => {
      key = await signingKey('main')
      jwt = createValidator(jwtOptions(key))
      app = await harness.start(jwt, jwtRoutes)
      const extrasValidator = createValidator(
        jwtOptions(key, { allowQueryToken: true, allowBodyToken: true }),
      )
      extras = await harness.start(extrasValidator, [
        { path: '/q', method: 'GET', route: {} },
        { path: '/form', method: 'POST', route: {}, formBody: true },
      ])
      good = await accessToken(key)
    })
    afterAll(async () => {
      await app?.close()
      await extras?.close()
    })

    it('accepts a good token and hands the handler exactly the context core builds', async () => {
      const answer = await send(app.url, '/plain', { headers: bearer(good) })
      expect(answer.status).toBe(200)
      expect(answer.json).toEqual(serialised(await jwt.verify(good)))
    })

    it('answers a request without a token 401 with a bare challenge and a JSON body', async () => {
      const answer = await send(app.url, '/items')
      expectRefusal(answer, 401, `Bearer realm="${REALM}"`, {
        error: 'unauthorized',
        error_description: 'A bearer token is required',
      })
    })

    it.each(['bearer', 'BEARER', 'BeArEr'])('accepts the scheme spelled %s', async (scheme) => {
      const answer = await send(app.url, '/items', { headers: bearer(good, scheme) })
      expect(answer.status).toBe(200)
    })

    it('answers two Authorization headers 400 invalid_request', async () => {
      const answer = await send(app.url, '/items', { headers: [...bearer(good), ...bearer(good)] })
      const description = 'More than one access token was sent'
      expectRefusal(
        answer,
        400,
        challenge('invalid_request', description),
        { error: 'invalid_request', error_description: description },
        good,
      )
    })

    it('answers a header and a query token 400 when query tokens are enabled, and takes a query token alone', async () => {
      const both = await send(extras.url, `/q?access_token=${good}`, { headers: bearer(good) })
      const description = 'More than one access token was sent'
      expectRefusal(
        both,
        400,
        challenge('invalid_request', description),
        { error: 'invalid_request', error_description: description },
        good,
      )
      expect((await send(extras.url, `/q?access_token=${good}`)).status).toBe(200)
    })

    it('refuses an oversized token 401 invalid_token before parsing it', async () => {
      const huge = 'a'.repeat(9000)
      const description = 'The access token is too large'
      const answer = await send(app.url, '/items', { headers: bearer(huge) })
      expectRefusal(
        answer,
        401,
        challenge('invalid_token', description),
        { error: 'invalid_token', error_description: description },
        huge,
      )
    })

    const now = () => Math.floor(Date.now() / 1000)
    it.each<[string, () => Promise<string> | string]>([
      ['expired', () => accessToken(key, { iat: now() - 600, exp: now() - 300 })],
      ['not yet valid (nbf)', () => accessToken(key, { nbf: now() + 300 })],
      ['from an unlisted issuer', () => accessToken(key, { iss: 'https://evil.test/' })],
      ['for another audience', () => accessToken(key, { aud: 'https://other.test' })],
      ['of the wrong typ', () => accessToken(key, {}, { typ: 'JWT' })],
      ['with a bad signature', async () => accessToken(await signingKey('main'))],
      ['signed by an unknown kid', async () => accessToken(await signingKey('stranger'))],
      ['alg none', () => unsecuredToken()],
      ['of JWE shape', () => jweShapedToken()],
      ['not a JWS at all', () => 'not.a.jwt'],
    ])('refuses a token %s 401 invalid_token with the generic description', async (_name, make) => {
      const token = await make()
      const answer = await send(app.url, '/items', { headers: bearer(token) })
      expectRefusal(
        answer,
        401,
        challenge('invalid_token', INVALID),
        { error: 'invalid_token', error_description: INVALID },
        token,
      )
    })

    it('answers a missing scope 403 insufficient_scope naming every required scope', async () => {
      const answer = await send(app.url, '/admin', { headers: bearer(good) })
      const description = 'The access token lacks a required scope'
      expectRefusal(
        answer,
        403,
        challenge('insufficient_scope', description, ', scope="items:read admin"'),
        {
          error: 'insufficient_scope',
          error_description: description,
        },
        good,
      )
    })

    it('requireStepUp refuses a weak or old login with insufficient_user_authentication (RFC 9470)', async () => {
      const now = Math.floor(Date.now() / 1000)
      const strong = await accessToken(key, { acr: 'urn:mfa', auth_time: now - 60 })
      expect((await send(app.url, '/step-up', { headers: bearer(strong) })).status).toBe(200)
      const description = 'A stronger or more recent authentication is required'
      for (const weak of [
        await accessToken(key, { acr: 'urn:pwd', auth_time: now - 60 }),
        await accessToken(key, { acr: 'urn:mfa', auth_time: now - 3600 }),
      ]) {
        expectRefusal(
          await send(app.url, '/step-up', { headers: bearer(weak) }),
          401,
          challenge('insufficient_user_authentication', description, ', acr_values="urn:mfa", max_age="600"'),
          { error: 'insufficient_user_authentication', error_description: description },
          weak,
        )
      }
    })

    it('requireAnyScope passes on one granted scope and names the alternatives otherwise', async () => {
      expect((await send(app.url, '/any', { headers: bearer(good) })).status).toBe(200)
      const answer = await send(app.url, '/any-missing', { headers: bearer(good) })
      const description = 'The access token lacks a required scope'
      expectRefusal(
        answer,
        403,
        challenge('insufficient_scope', description, ', scope="admin root"'),
        {
          error: 'insufficient_scope',
          error_description: description,
        },
        good,
      )
    })

    it('requireClaims refuses 401 invalid_token when the check fails and passes when it holds', async () => {
      const answer = await send(app.url, '/tenant', { headers: bearer(good) })
      expectRefusal(
        answer,
        401,
        challenge('invalid_token', INVALID),
        { error: 'invalid_token', error_description: INVALID },
        good,
      )
      const tenant = await accessToken(key, { tenant: 'acme' })
      expect((await send(app.url, '/tenant', { headers: bearer(tenant) })).status).toBe(200)
    })

    // A guard that finds no token names the validator's realm, whether requireToken let the request
    // through (an optional route) or was not on the route at all (the guard is bound to the validator).
    it.each([
      '/guard-only',
      '/guard-only-any',
      '/guard-only-claims',
      '/guard-only-step-up',
      '/maybe-items',
      '/maybe-any',
      '/maybe-claims',
      '/maybe-step-up',
    ])('a guard without a token answers 401 with the realm: %s', async (path) => {
      const answer = await send(app.url, path)
      expectRefusal(answer, 401, `Bearer realm="${REALM}"`, {
        error: 'unauthorized',
        error_description: 'A bearer token is required',
      })
    })

    it("a guard without a token carries the validator's resource_metadata, and DPoP when it is required", async () => {
      const metadata = 'https://api.example.test/.well-known/oauth-protected-resource'
      const strict = createValidator(
        jwtOptions(key, {
          resourceMetadata: metadata,
          dpop: { origin: 'https://api.example.test', required: true },
        }),
      )
      const running = await harness.start(strict, [
        { path: '/maybe-items', method: 'GET', route: { optional: true }, scopes: ['items:read'] },
        { path: '/guard-only', method: 'GET', route: false, scopes: ['items:read'] },
      ])
      try {
        for (const path of ['/maybe-items', '/guard-only']) {
          const answer = await send(running.url, path)
          expectRefusal(
            answer,
            401,
            `DPoP realm="${REALM}", algs="ES256 Ed25519 EdDSA PS256 RS256", resource_metadata="${metadata}"`,
            { error: 'unauthorized', error_description: 'A bearer token is required' },
          )
        }
      } finally {
        await running.close()
        await strict.close()
      }
    })

    it('optional mode: no token or another scheme passes as null, a bad token is refused, a good one is used', async () => {
      expect((await send(app.url, '/maybe')).json).toEqual({ auth: null })
      expect((await send(app.url, '/maybe', { headers: [['Authorization', 'Basic dTpw']] })).json).toEqual({
        auth: null,
      })
      const bad = await send(app.url, '/maybe', { headers: bearer('not.a.jwt') })
      expectRefusal(bad, 401, challenge('invalid_token', INVALID), {
        error: 'invalid_token',
        error_description: INVALID,
      })
      const answer = await send(app.url, '/maybe', { headers: bearer(good) })
      expect(answer.json).toEqual(serialised(await jwt.verify(good)))
    })

    it('reads a form-body token only when the validator enables it, and refuses it beside a header', async () => {
      const form = { method: 'POST', body: `access_token=${good}` }
      const formHeaders: Array<[string, string]> = [['Content-Type', 'application/x-www-form-urlencoded']]
      const on = await send(extras.url, '/form', { ...form, headers: formHeaders })
      expect(on.status).toBe(200)
      expect(on.json).toEqual(serialised(await jwt.verify(good)))
      const off = await send(app.url, '/form', { ...form, headers: formHeaders })
      expectRefusal(
        off,
        401,
        `Bearer realm="${REALM}"`,
        { error: 'unauthorized', error_description: 'A bearer token is required' },
        good,
      )
      const both = await send(extras.url, '/form', { ...form, headers: [...formHeaders, ...bearer(good)] })
      expect(both.status).toBe(400)
    })

    it('errors: "next" hands the TokenError to the framework, which answers the same status and challenge', async () => {
      const missing = await send(app.url, '/next')
      expect([missing.status, missing.headers['www-authenticate']]).toEqual([401, `Bearer realm="${REALM}"`])
      const scope = await send(app.url, '/next', { headers: bearer(good) })
      expect(scope.status).toBe(403)
      expect(scope.headers['www-authenticate']).toBe(
        challenge('insufficient_scope', 'The access token lacks a required scope', ', scope="admin"'),
      )
      // The body is the framework's own error page (Express prints a stack outside production): not checked here.
      expect(scope.text).not.toContain(good)
    })

    describe('introspection and hybrid routes', () => {
      // The test kit's issuer answers introspection; the JWTs stay signed by this suite's own key.
      let server: TestIssuer
      let dispatcher: Agent
      let opaque: Validator
      let running: RunningApp
      const unknownToken = (name: string) => `opaque-${name}-${Math.random().toString(36).slice(2)}`
      const activeToken = () =>
        server.opaque({
          aud: AUDIENCE,
          sub: 'bob',
          clientId: 'app',
          scope: 'items:read',
          expiresIn: 60,
          claims: { iss: ISSUER },
        })

      beforeAll(async () => {
        server = await createTestIssuer()
        dispatcher = new Agent()
        opaque = createValidator(
          jwtOptions(key, {
            introspection: {
              endpoint: server.introspectionEndpoint,
              ...server.validatorOptions().introspection,
            },
            dispatcher,
          }),
        )
        running = await harness.start(opaque, opaqueRoutes)
      })
      afterAll(async () => {
        await running?.close()
        await dispatcher?.close()
        await server?.close()
      })

      it('accepts an active opaque token and caches the answer on a normal route', async () => {
        const token = activeToken()
        const first = await send(running.url, '/opaque', { headers: bearer(token) })
        expect(first.status).toBe(200)
        expect(first.json).toMatchObject({
          auth: { strategy: 'opaque', subject: 'bob', scopes: ['items:read'] },
        })
        expect(first.text).not.toContain(token) // the context never serialises its token
        expect((await send(running.url, '/opaque', { headers: bearer(token) })).status).toBe(200)
        expect(server.introspectionsOf(token)).toBe(1)
      })

      it('introspects afresh on every request to a sensitive route', async () => {
        const token = activeToken()
        for (let i = 0; i < 2; i++)
          expect((await send(running.url, '/opaque-sensitive', { headers: bearer(token) })).status).toBe(200)
        expect(server.introspectionsOf(token)).toBe(2)
      })

      it('refuses an inactive token 401 invalid_token', async () => {
        const token = unknownToken('inactive')
        const answer = await send(running.url, '/opaque', { headers: bearer(token) })
        expectRefusal(
          answer,
          401,
          challenge('invalid_token', INVALID),
          { error: 'invalid_token', error_description: INVALID },
          token,
        )
      })

      it('answers an authorization server outage 503 with Retry-After and no challenge', async () => {
        const token = activeToken()
        server.setFault('introspection', { status: 500, body: 'down' })
        try {
          const answer = await send(running.url, '/opaque', { headers: bearer(token) })
          expectRefusal(
            answer,
            503,
            undefined,
            {
              error: 'temporarily_unavailable',
              error_description: 'The access token cannot be validated right now',
            },
            token,
          )
          expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1)
        } finally {
          server.setFault('introspection', undefined)
        }
        expect((await send(running.url, '/opaque', { headers: bearer(token) })).status).toBe(200)
      })

      it('applies scope guards to introspected tokens', async () => {
        const token = activeToken()
        const answer = await send(running.url, '/opaque-write', { headers: bearer(token) })
        expect([answer.status, answer.headers['www-authenticate']]).toEqual([
          403,
          challenge('insufficient_scope', 'The access token lacks a required scope', ', scope="items:write"'),
        ])
      })

      it('hybrid: a JWT is verified locally, anything else is introspected', async () => {
        const viaJwt = await send(running.url, '/hybrid', { headers: bearer(good) })
        expect(viaJwt.json).toEqual(serialised(await jwt.verify(good)))
        expect(server.introspectionsOf(good)).toBe(0)
        const token = activeToken()
        const viaIntrospection = await send(running.url, '/hybrid', { headers: bearer(token) })
        expect(viaIntrospection.json).toMatchObject({ auth: { strategy: 'opaque', subject: 'bob' } })
        expect(server.introspectionsOf(token)).toBe(1)
      })

      it('an opaque route refuses a JWT without sending it to the authorization server', async () => {
        const answer = await send(running.url, '/opaque', { headers: bearer(good) })
        expectRefusal(
          answer,
          401,
          challenge('invalid_token', INVALID),
          { error: 'invalid_token', error_description: INVALID },
          good,
        )
        expect(server.introspectionsOf(good)).toBe(0)
      })
    })
  })
}
