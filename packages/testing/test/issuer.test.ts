import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { createTestIssuer, type TestIssuer } from '../src/index'

let issuer: TestIssuer

beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
}

async function introspect(
  token: string,
  auth: { basic?: [string, string]; post?: [string, string] } = { basic: ['api', 'api-secret'] },
  target: TestIssuer = issuer,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const body = new URLSearchParams({ token })
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (auth.basic) headers.authorization = basic(...auth.basic)
  if (auth.post) {
    body.set('client_id', auth.post[0])
    body.set('client_secret', auth.post[1])
  }
  const response = await fetch(target.introspectionEndpoint, { method: 'POST', headers, body })
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  }
}

describe('metadata', () => {
  it('serves RFC 8414 metadata and OIDC discovery naming this issuer and its endpoints', async () => {
    const before = issuer.stats.metadataFetches
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const response = await fetch(`${issuer.url}${path}`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      const document = (await response.json()) as Record<string, unknown>
      expect(document).toMatchObject({
        issuer: issuer.url,
        jwks_uri: issuer.jwksUri,
        introspection_endpoint: issuer.introspectionEndpoint,
        revocation_endpoint: issuer.revocationEndpoint,
        introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      })
    }
    expect(issuer.stats.metadataFetches).toBe(before + 2)
    expect(issuer.metadataUrl).toBe(`${issuer.url}/.well-known/oauth-authorization-server`)
  })

  it('listens on 127.0.0.1 with the issuer as base URL', () => {
    expect(issuer.url).toBe(`http://127.0.0.1:${issuer.port}`)
    expect(issuer.issuer).toBe(issuer.url)
    expect(issuer.jwksUri).toBe(`${issuer.url}/jwks`)
    expect(issuer.introspectionEndpoint).toBe(`${issuer.url}/introspect`)
    expect(issuer.revocationEndpoint).toBe(`${issuer.url}/revoke`)
  })

  it('answers 404 elsewhere and 405 for a wrong method', async () => {
    expect((await fetch(`${issuer.url}/token`)).status).toBe(404)
    const wrong = await fetch(issuer.introspectionEndpoint)
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('POST')
    expect((await fetch(issuer.jwksUri, { method: 'POST' })).status).toBe(405)
  })
})

describe('JWKS', () => {
  it('publishes one public key per algorithm, with kid, alg and use', async () => {
    const before = issuer.stats.jwksFetches
    const response = await fetch(issuer.jwksUri)
    expect(response.status).toBe(200)
    const { keys } = (await response.json()) as { keys: Array<Record<string, unknown>> }
    expect(keys.map((key) => key.alg)).toEqual(['RS256', 'ES256', 'EdDSA'])
    for (const key of keys) {
      expect(key).toMatchObject({ use: 'sig', kid: expect.any(String) })
      expect(key).not.toHaveProperty('d') // never a private part
    }
    expect(keys.map((key) => key.kid)).toEqual(
      ['RS256', 'ES256', 'EdDSA'].map((alg) => issuer.signingKids[alg as 'RS256']),
    )
    expect(issuer.stats.jwksFetches).toBe(before + 1)
    expect(issuer.publicJwks()).toEqual({ keys })
  })

  it('holds only the configured algorithms', async () => {
    const ec = await createTestIssuer({ algorithms: ['ES256'] })
    try {
      expect(ec.publicJwks().keys.map((key) => key.alg)).toEqual(['ES256'])
      expect(ec.validatorOptions().jwt.algorithms).toEqual(['ES256'])
      expect(decodeProtectedHeader(await ec.jwt()).alg).toBe('ES256')
      await expect(ec.jwt({ alg: 'RS256' })).rejects.toThrow(/no RS256 key/)
    } finally {
      await ec.close()
    }
  })
})

describe('JWT access tokens', () => {
  const keys = () => createRemoteJWKSet(new URL(issuer.jwksUri))

  it.each(['RS256', 'ES256', 'EdDSA'] as const)(
    'mints an RFC 9068 %s token that jose verifies',
    async (alg) => {
      const token = await issuer.jwt({
        alg,
        sub: 'alice',
        scope: ['items:read', 'items:write'],
        expiresIn: 120,
      })
      const { payload, protectedHeader } = await jwtVerify(token, keys(), {
        issuer: issuer.url,
        audience: 'https://api.example.test',
        typ: 'at+jwt',
        algorithms: [alg],
      })
      expect(protectedHeader).toEqual({ alg, typ: 'at+jwt', kid: issuer.signingKids[alg] })
      expect(payload).toEqual({
        iss: issuer.url,
        sub: 'alice',
        aud: 'https://api.example.test',
        client_id: 'test-client',
        scope: 'items:read items:write',
        iat: expect.any(Number),
        exp: payload.iat! + 120,
        jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      })
      expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5)
    },
  )

  it('defaults to RS256, the default subject and audience, no scope, 300 s', async () => {
    const token = await issuer.jwt()
    const { payload, protectedHeader } = await jwtVerify(token, keys(), { issuer: issuer.url })
    expect(protectedHeader.alg).toBe('RS256')
    expect(payload.sub).toBe('test-user')
    expect(payload.aud).toBe('https://api.example.test')
    expect(payload).not.toHaveProperty('scope')
    expect(payload.exp! - payload.iat!).toBe(300)
  })

  it('takes claims, audience, client id and header overrides; undefined removes', async () => {
    const token = await issuer.jwt({
      aud: ['https://a.test', 'https://b.test'],
      clientId: 'caller',
      claims: { tenant: 'acme', iss: 'https://elsewhere.test', jti: undefined },
      header: { typ: 'JWT', kid: 'unknown-kid' },
    })
    const header = decodeProtectedHeader(token)
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'unknown-kid' })
    const payload = decodeJwt(token)
    expect(payload).toMatchObject({
      aud: ['https://a.test', 'https://b.test'],
      client_id: 'caller',
      tenant: 'acme',
      iss: 'https://elsewhere.test',
    })
    expect(payload).not.toHaveProperty('jti')
    const untyped = await issuer.jwt({ header: { typ: undefined } })
    expect(decodeProtectedHeader(untyped)).not.toHaveProperty('typ')
  })

  it('mints already expired tokens that jose refuses', async () => {
    const token = await issuer.jwt({ expiresIn: -60 })
    await expect(jwtVerify(token, keys(), { issuer: issuer.url })).rejects.toMatchObject({
      code: 'ERR_JWT_EXPIRED',
    })
  })

  it('refuses an unknown kid', async () => {
    await expect(issuer.jwt({ kid: 'nope' })).rejects.toThrow(/no key with kid "nope"/)
    await expect(issuer.jwt({ kid: issuer.signingKids.ES256!, alg: 'RS256' })).rejects.toThrow(/is ES256/)
  })
})

describe('introspection', () => {
  it('describes an active opaque token (client_secret_basic)', async () => {
    const token = issuer.opaque({ sub: 'bob', scope: 'orders:read', claims: { tenant: 'acme' } })
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const before = issuer.stats.introspections
    const { status, body, headers } = await introspect(token)
    expect(status).toBe(200)
    expect(headers.get('cache-control')).toBe('no-store')
    expect(body).toEqual({
      active: true,
      token_type: 'Bearer',
      iss: issuer.url,
      sub: 'bob',
      aud: 'https://api.example.test',
      client_id: 'test-client',
      scope: 'orders:read',
      tenant: 'acme',
      iat: expect.any(Number),
      exp: (body.iat as number) + 300,
      jti: expect.any(String),
    })
    expect(issuer.stats.introspections).toBe(before + 1)
  })

  it('accepts client_secret_post', async () => {
    const { status, body } = await introspect(issuer.opaque(), { post: ['api', 'api-secret'] })
    expect(status).toBe(200)
    expect(body.active).toBe(true)
  })

  it('answers inactive for unknown, revoked and expired tokens', async () => {
    expect((await introspect('never-issued')).body).toEqual({ active: false })

    const revoked = issuer.opaque()
    expect(issuer.revoke(revoked)).toBe(true)
    expect((await introspect(revoked)).body).toEqual({ active: false })

    const expired = issuer.opaque({ expiresIn: -1 })
    expect((await introspect(expired)).body).toEqual({ active: false })

    const notYet = issuer.opaque({ claims: { nbf: Math.floor(Date.now() / 1000) + 600 } })
    expect((await introspect(notYet)).body).toEqual({ active: false })
  })

  it('expires tokens by its clock', async () => {
    let now = Date.now()
    const clocked = await createTestIssuer({ now: () => now, algorithms: ['ES256'] })
    try {
      const token = clocked.opaque({ expiresIn: 60 })
      expect((await introspect(token, undefined, clocked)).body.active).toBe(true)
      now += 61_000
      expect((await introspect(token, undefined, clocked)).body).toEqual({ active: false })
    } finally {
      await clocked.close()
    }
  })

  it('introspects the JWTs it minted, and revokes them by jti', async () => {
    const token = await issuer.jwt({ scope: 'items:read' })
    const { body } = await introspect(token)
    expect(body).toMatchObject({ active: true, scope: 'items:read', iss: issuer.url })
    expect(issuer.revoke(token)).toBe(true)
    expect(issuer.revokedJtis.has(body.jti as string)).toBe(true)
    expect((await introspect(token)).body).toEqual({ active: false })
  })

  it('records the jti of a JWT it never minted', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')
    const payload = Buffer.from(JSON.stringify({ jti: 'foreign-jti' })).toString('base64url')
    expect(issuer.revoke(`${header}.${payload}.`)).toBe(true)
    expect(issuer.revokedJtis.has('foreign-jti')).toBe(true)
    expect(issuer.revoke('unknown-opaque')).toBe(false)
  })

  it.each([
    ['a wrong secret (basic)', { basic: ['api', 'wrong'] as [string, string] }],
    ['a wrong secret (post)', { post: ['api', 'wrong'] as [string, string] }],
    ['an unknown client', { basic: ['someone', 'api-secret'] as [string, string] }],
    ['no credentials', {}],
  ])('refuses %s with 401 invalid_client', async (_name, auth) => {
    const { status, body, headers } = await introspect(issuer.opaque(), auth)
    expect(status).toBe(401)
    expect(body.error).toBe('invalid_client')
    expect(headers.get('www-authenticate')).toMatch(/^Basic realm=/)
  })

  it('refuses two client authentication methods at once, a missing token and a non-form body', async () => {
    const both = await introspect(issuer.opaque(), {
      basic: ['api', 'api-secret'],
      post: ['api', 'api-secret'],
    })
    expect(both.status).toBe(400)
    const missing = await fetch(issuer.introspectionEndpoint, {
      method: 'POST',
      headers: {
        authorization: basic('api', 'api-secret'),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: '',
    })
    expect(missing.status).toBe(400)
    const json = await fetch(issuer.introspectionEndpoint, {
      method: 'POST',
      headers: { authorization: basic('api', 'api-secret'), 'content-type': 'application/json' },
      body: '{"token":"x"}',
    })
    expect(json.status).toBe(400)
  })

  it('takes configured clients, with form-urlencoded Basic credentials', async () => {
    const custom = await createTestIssuer({
      algorithms: ['EdDSA'],
      clients: [{ clientId: 'my api:1', clientSecret: 's3cr+t é' }],
    })
    try {
      const token = custom.opaque()
      const encoded: [string, string] = ['my+api%3A1', 's3cr%2Bt+%C3%A9']
      expect((await introspect(token, { basic: encoded }, custom)).body.active).toBe(true)
      expect((await introspect(token, { post: ['my api:1', 's3cr+t é'] }, custom)).body.active).toBe(true)
      expect((await introspect(token, undefined, custom)).status).toBe(401) // api/api-secret is not configured
      expect(custom.validatorOptions().introspection).toEqual({
        clientId: 'my api:1',
        clientSecret: 's3cr+t é',
      })
    } finally {
      await custom.close()
    }
  })
})

describe('revocation endpoint (RFC 7009)', () => {
  async function revoke(token: string, secret = 'api-secret') {
    return fetch(issuer.revocationEndpoint, {
      method: 'POST',
      headers: { authorization: basic('api', secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
    })
  }

  it('revokes opaque tokens and JWTs, answers 200 for unknown ones, 401 for a wrong secret', async () => {
    const before = issuer.stats.revocations
    const opaque = issuer.opaque()
    const jwt = await issuer.jwt()
    expect((await revoke(opaque, 'wrong')).status).toBe(401)
    expect((await introspect(opaque)).body.active).toBe(true)
    expect((await revoke(opaque)).status).toBe(200)
    expect((await revoke(jwt)).status).toBe(200)
    expect((await revoke('never-issued')).status).toBe(200)
    expect((await introspect(opaque)).body).toEqual({ active: false })
    expect((await introspect(jwt)).body).toEqual({ active: false })
    expect(issuer.stats.revocations).toBe(before + 4)
  })
})

describe('key rotation', () => {
  it('keeps the old keys published by default, and signs with the new ones', async () => {
    const rotating = await createTestIssuer({ algorithms: ['RS256', 'ES256'] })
    try {
      const oldKids = rotating.publicJwks().keys.map((key) => key.kid)
      const oldToken = await rotating.jwt()
      const newKids = await rotating.rotateKeys()
      expect(newKids).toHaveLength(2)
      expect(newKids).not.toEqual(expect.arrayContaining(oldKids))
      expect(rotating.signingKids).toEqual({ RS256: newKids[0], ES256: newKids[1] })
      expect(rotating.publicJwks().keys.map((key) => key.kid)).toEqual([...newKids, ...oldKids])

      const keys = createRemoteJWKSet(new URL(rotating.jwksUri))
      const newToken = await rotating.jwt()
      expect(decodeProtectedHeader(newToken).kid).toBe(newKids[0])
      await expect(jwtVerify(newToken, keys)).resolves.toBeDefined()
      await expect(jwtVerify(oldToken, keys)).resolves.toBeDefined()
    } finally {
      await rotating.close()
    }
  })

  it('drops the old keys with keepOld: false; a retired kid can still sign, but nothing verifies it', async () => {
    const rotating = await createTestIssuer({ algorithms: ['ES256'] })
    try {
      const oldKid = rotating.signingKids.ES256!
      const [newKid] = await rotating.rotateKeys({ keepOld: false })
      const response = await fetch(rotating.jwksUri)
      const { keys } = (await response.json()) as { keys: Array<{ kid: string }> }
      expect(keys.map((key) => key.kid)).toEqual([newKid])

      const retired = await rotating.jwt({ kid: oldKid })
      expect(decodeProtectedHeader(retired).kid).toBe(oldKid)
      await expect(jwtVerify(retired, createRemoteJWKSet(new URL(rotating.jwksUri)))).rejects.toMatchObject({
        code: 'ERR_JWKS_NO_MATCHING_KEY',
      })
    } finally {
      await rotating.close()
    }
  })
})

describe('lifecycle and options', () => {
  it('validatorOptions() is ready for createValidator', () => {
    expect(issuer.validatorOptions()).toEqual({
      issuer: issuer.url,
      audience: 'https://api.example.test',
      jwt: { algorithms: ['RS256', 'ES256', 'EdDSA'] },
      introspection: { clientId: 'api', clientSecret: 'api-secret' },
    })
    expect(issuer.validatorOptions(['https://other.test']).audience).toEqual(['https://other.test'])
  })

  it('counts and resets stats; the snapshot is a copy', async () => {
    const counted = await createTestIssuer({ algorithms: ['ES256'] })
    try {
      await fetch(counted.jwksUri)
      const snapshot = counted.stats
      snapshot.jwksFetches = 99
      expect(counted.stats).toEqual({ jwksFetches: 1, introspections: 0, metadataFetches: 0, revocations: 0 })
      counted.resetStats()
      expect(counted.stats.jwksFetches).toBe(0)
    } finally {
      await counted.close()
    }
  })

  it('close() stops it, keep-alive connections included, and can be called twice', async () => {
    const closing = await createTestIssuer({ algorithms: ['ES256'] })
    await fetch(closing.jwksUri) // leaves a keep-alive connection open
    await closing.close()
    await closing.close()
    await expect(fetch(closing.jwksUri)).rejects.toThrow()
  })

  it('checks its options', async () => {
    await expect(createTestIssuer({ algorithms: ['HS256' as 'RS256'] })).rejects.toThrow(
      /unsupported algorithm/,
    )
    await expect(createTestIssuer({ algorithms: [] })).rejects.toThrow(/non-empty/)
    await expect(createTestIssuer({ clients: [] })).rejects.toThrow(/non-empty/)
    await expect(createTestIssuer({ expiresIn: Number.NaN })).rejects.toThrow(/expiresIn/)
  })
})
