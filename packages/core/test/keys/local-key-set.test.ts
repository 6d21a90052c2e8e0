import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose'
import { InvalidTokenError } from '../../src/errors.js'
import { createLocalKeySet } from '../../src/keys/local-key-set.js'
import { checkJwkSet } from '../../src/options/jwks.js'

const checked = (jwks: { keys: JWK[] }) => checkJwkSet(jwks, 'jwks')

async function keyPair(alg: 'RS256' | 'ES256' | 'EdDSA', kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  return {
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg },
    privateJwk: await exportJWK(privateKey),
  }
}

describe('createLocalKeySet', () => {
  let rs: Awaited<ReturnType<typeof keyPair>>
  let es: Awaited<ReturnType<typeof keyPair>>
  let ed: Awaited<ReturnType<typeof keyPair>>

  beforeAll(async () => {
    ;[rs, es, ed] = await Promise.all([
      keyPair('RS256', 'rs'),
      keyPair('ES256', 'es'),
      keyPair('EdDSA', 'ed'),
    ])
  })

  const algorithms = ['RS256', 'ES256', 'EdDSA']

  it.each([
    ['RS256', 'rs'],
    ['ES256', 'es'],
    ['EdDSA', 'ed'],
  ])('selects the %s key by kid and verifies with it', async (alg, kid) => {
    const pairs = { rs, es, ed } as const
    const pair = pairs[kid as keyof typeof pairs]
    const keys = createLocalKeySet(checked({ keys: [rs.publicJwk, es.publicJwk, ed.publicJwk] }), {
      algorithms,
    })
    await expect(keys.ready()).resolves.toBeUndefined()
    const token = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg, kid }).sign(pair.privateKey)
    const { payload } = await jwtVerify(token, (header) => keys.getKey(header), { algorithms })
    expect(payload.sub).toBe('x')
  })

  it('hands over a key it already selected without waiting (knownKey), and nothing else', async () => {
    const keys = createLocalKeySet(checked({ keys: [rs.publicJwk, es.publicJwk] }), {
      algorithms: ['RS256'],
    })
    expect(keys.knownKey?.({ alg: 'RS256', kid: 'rs' })).toBeUndefined()
    const key = await keys.getKey({ alg: 'RS256', kid: 'rs' })
    expect(keys.knownKey?.({ alg: 'RS256', kid: 'rs' })).toBe(key)
    // Another alg, kid, a non-string kid or an algorithm outside the allowlist: ask getKey.
    expect(keys.knownKey?.({ alg: 'ES256', kid: 'rs' })).toBeUndefined()
    expect(keys.knownKey?.({ alg: 'RS256', kid: 'other' })).toBeUndefined()
    expect(keys.knownKey?.({ alg: 'RS256', kid: 7 } as unknown as { alg: string })).toBeUndefined()
    expect(keys.knownKey?.({ alg: 'RS256' })).toBeUndefined()
    await keys.getKey({ alg: 'RS256' })
    expect(keys.knownKey?.({ alg: 'RS256' })).toBe(key)
    const wider = createLocalKeySet(checked({ keys: [es.publicJwk] }), { algorithms: ['ES256'] })
    await wider.getKey({ alg: 'ES256', kid: 'es' })
    expect(wider.knownKey?.({ alg: 'HS256', kid: 'es' })).toBeUndefined()
  })

  it('selects by alg and kid alike on every call: a kid found once does not vouch for another alg', async () => {
    const keys = createLocalKeySet(checked({ keys: [rs.publicJwk, es.publicJwk] }), { algorithms })
    const first = await keys.getKey({ alg: 'RS256', kid: 'rs' })
    await expect(keys.getKey({ alg: 'RS256', kid: 'rs' })).resolves.toBe(first)
    await expect(keys.getKey({ alg: 'ES256', kid: 'rs' })).rejects.toMatchObject({ reason: 'unknown_key' })
    await expect(keys.getKey({ alg: 'ES256', kid: 'es' })).resolves.not.toBe(first)
    await expect(keys.getKey({ alg: 'RS256' })).resolves.toBe(first)
    await expect(keys.getKey({ alg: 'RS256', kid: 'nope' })).rejects.toMatchObject({ reason: 'unknown_key' })
    await expect(
      keys.getKey({ alg: 'RS256', kid: 7 } as unknown as { alg: string; kid: string }),
    ).rejects.toMatchObject({ reason: 'unknown_key' })
  })

  it('selects without kid when exactly one key fits the algorithm', async () => {
    const keys = createLocalKeySet(checked({ keys: [rs.publicJwk, es.publicJwk] }), { algorithms })
    await expect(keys.getKey({ alg: 'ES256' })).resolves.toBeDefined()
  })

  it.each([
    ['an unknown kid', { alg: 'ES256', kid: 'nope' }],
    ['a kid whose key has another alg', { alg: 'ES256', kid: 'rs' }],
  ])('rejects %s with unknown_key', async (_, header) => {
    const keys = createLocalKeySet(checked({ keys: [rs.publicJwk, es.publicJwk] }), { algorithms })
    await expect(keys.getKey(header)).rejects.toMatchObject({ reason: 'unknown_key', status: 401 })
  })

  it('rejects several matching keys (no kid to choose by) with unknown_key', async () => {
    const other = await keyPair('ES256', 'es2')
    const keys = createLocalKeySet(checked({ keys: [es.publicJwk, other.publicJwk] }), { algorithms })
    const error = await keys.getKey({ alg: 'ES256' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect(error).toMatchObject({ reason: 'unknown_key' })
  })

  it('rejects an empty set with unknown_key', async () => {
    const keys = createLocalKeySet(checked({ keys: [] }), { algorithms })
    await expect(keys.getKey({ alg: 'RS256', kid: 'rs' })).rejects.toMatchObject({ reason: 'unknown_key' })
  })

  it.each([['HS256'], ['none'], ['PS256'], [undefined]])(
    'rejects header alg %s not in the allowlist',
    async (alg) => {
      const keys = createLocalKeySet(checked({ keys: [rs.publicJwk] }), { algorithms })
      await expect(keys.getKey({ alg, kid: 'rs' } as { alg: string })).rejects.toMatchObject({
        reason: 'algorithm_not_allowed',
      })
    },
  )

  it('ignores keys whose use is not sig', async () => {
    const keys = createLocalKeySet(checked({ keys: [{ ...rs.publicJwk, use: 'enc' }] }), { algorithms })
    await expect(keys.getKey({ alg: 'RS256', kid: 'rs' })).rejects.toMatchObject({ reason: 'unknown_key' })
  })
  // The set and the algorithms are checked where they enter: test/options-key-sets.test.ts.
})
