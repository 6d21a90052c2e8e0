import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { generateSigningKey, JWT_RESOURCE, OPAQUE_RESOURCE, startAuthServer, type AuthServer } from '../src'

describe('startAuthServer', () => {
  let as: AuthServer
  afterEach(async () => {
    await as?.stop()
  })

  test('JWT access token for the jwt resource (RFC 9068)', async () => {
    as = await startAuthServer()
    const token = await as.getToken('jwt', 'items:read payments:write')
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(as.jwksUri)), {
      issuer: as.issuer,
      audience: JWT_RESOURCE,
      typ: 'at+jwt',
      algorithms: ['RS256'],
    })
    expect(protectedHeader).toMatchObject({ typ: 'at+jwt', alg: 'RS256', kid: as.keys[0]!.kid })
    expect(payload).toMatchObject({
      iss: as.issuer,
      aud: JWT_RESOURCE,
      scope: 'items:read payments:write',
      client_id: 'client',
      sub: 'client',
    })
    expect(typeof payload.jti).toBe('string')
    expect(payload.exp! - payload.iat!).toBe(300)
    expect(as.publicJwks().keys[0]).not.toHaveProperty('d')
  })

  test.each(['ES256', 'EdDSA'] as const)('a %s key signs JWTs with its own alg', async (alg) => {
    as = await startAuthServer({ keys: [await generateSigningKey(alg, 'k-1')], accessTokenTtl: 60 })
    const token = await as.getToken('jwt')
    expect(decodeProtectedHeader(token)).toMatchObject({ alg, kid: 'k-1', typ: 'at+jwt' })
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(as.jwksUri)), {
      issuer: as.issuer,
      audience: JWT_RESOURCE,
    })
    expect(payload.exp! - payload.iat!).toBe(60)
    expect(payload.scope).toBe('items:read items:write payments:write profile:read')
  })

  test('opaque token: introspect as api, revoke, introspect again (RFC 7662, RFC 7009)', async () => {
    as = await startAuthServer()
    const token = await as.getToken('opaque', 'items:read')
    expect(token.split('.')).toHaveLength(1)
    const info = await as.introspect(token)
    expect(info).toMatchObject({
      active: true,
      aud: OPAQUE_RESOURCE,
      scope: 'items:read',
      client_id: 'client',
      iss: as.issuer,
      token_type: 'Bearer',
    })
    expect(typeof info.exp).toBe('number')
    await as.revoke(token)
    expect(await as.introspect(token)).toEqual({ active: false })
  })

  test('a JWT can be neither introspected nor revoked (oidc-provider: unsupported_token_type)', async () => {
    as = await startAuthServer()
    const jwt = await as.getToken('jwt')
    await expect(as.introspect(jwt)).rejects.toThrow(/400 .*unsupported_token_type/)
    await expect(as.revoke(jwt)).rejects.toThrow(/400 .*unsupported_token_type/)
  })

  test('RFC 8414 metadata lists the endpoints', async () => {
    as = await startAuthServer()
    const meta = (await (await fetch(as.metadataUrl)).json()) as Record<string, unknown>
    expect(meta).toMatchObject({
      issuer: as.issuer,
      jwks_uri: as.jwksUri,
      token_endpoint: as.tokenEndpoint,
      introspection_endpoint: as.introspectionEndpoint,
      revocation_endpoint: as.revocationEndpoint,
    })
  })

  test('a resource is required; unknown resources are rejected', async () => {
    as = await startAuthServer()
    await expect(as.getToken('https://unknown.example.test')).rejects.toThrow(/invalid_target/)
    // No resource parameter at all (RFC 8707): invalid_target rather than an audience-less token.
    const res = await fetch(as.tokenEndpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('client:client-secret').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'items:read' }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: 'invalid_target' })
  })

  test('restart on the same port with a new key: old JWT still verifies, opaque token survives', async () => {
    const oldKey = await generateSigningKey('RS256', 'old')
    as = await startAuthServer({ keys: [oldKey] })
    const { port, issuer } = as
    const oldJwt = await as.getToken('jwt')
    const opaque = await as.getToken('opaque')
    await as.stop()

    const newKey = await generateSigningKey('RS256', 'new')
    as = await startAuthServer({ port, keys: [newKey, oldKey] })
    expect(as.issuer).toBe(issuer)
    const jwks = createRemoteJWKSet(new URL(as.jwksUri))
    await expect(jwtVerify(oldJwt, jwks, { issuer, audience: JWT_RESOURCE })).resolves.toBeTruthy()
    const newJwt = await as.getToken('jwt')
    expect(decodeProtectedHeader(newJwt).kid).toBe('new')
    expect((await as.introspect(opaque)).active).toBe(true)
  })

  test('servers on different ports do not share opaque tokens', async () => {
    as = await startAuthServer()
    const other = await startAuthServer()
    try {
      const token = await other.getToken('opaque')
      expect((await as.introspect(token)).active).toBe(false)
    } finally {
      await other.stop()
    }
  })
})
