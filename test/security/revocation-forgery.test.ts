import {
  MemoryStore,
  TokenError,
  createValidator,
  type DenylistEntry,
  type Validator,
} from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM, type RunningApp } from '@tokenguard/conformance'
import { HARNESSES, INVALID_TOKEN, attack, bearer, expectRefused } from './src/attack'
import { b64, claims, genuine, nowSeconds, rsaKey } from './src/forge'
import { refusedPort } from './src/servers'

// revoke(token) acts on a token's claims only once it verifies (signature, trusted issuer; time
// aside). A made-up token naming a victim's `jti` must not lock the victim out of sensitive routes,
// and nothing unverified chooses how long an entry is kept.
const rsa = rsaKey('rsa-main')
const attacker = rsaKey('attacker')
const jwks = { keys: [rsa.jwk] as never[] }
const TTL = 3600 // denylist.revocationTtl
const MAX_LIFETIME = 7200 // denylist.maxRevocationLifetime
const YEAR_5138 = 1e11

/** A real MemoryStore that also keeps every entry it was asked to record. */
function recordingStore() {
  const store = new MemoryStore()
  const recorded: DenylistEntry[] = []
  const add = store.addDenylistEntry.bind(store)
  store.addDenylistEntry = async (entry) => {
    recorded.push(entry)
    return add(entry)
  }
  return { store, recorded }
}

const victimToken = (jti: string) => genuine(rsa, 'RS256', {}, { jti })
const unsigned = (payload: Record<string, unknown>) =>
  `${b64(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${b64(JSON.stringify(claims(payload)))}.`

describe.each(HARNESSES)('$name: revocation trusts only verified tokens', (harness) => {
  let app: RunningApp
  let validator: Validator
  let recorded: DenylistEntry[]
  let store: MemoryStore

  beforeAll(async () => {
    ;({ store, recorded } = recordingStore())
    validator = createValidator({
      issuer: ISSUER,
      audience: AUDIENCE,
      realm: REALM,
      jwt: { algorithms: ['RS256'], jwks },
      store,
      denylist: { revocationTtl: TTL, maxRevocationLifetime: MAX_LIFETIME },
    })
    app = await harness.start(validator, [
      { path: '/sensitive', method: 'GET', route: { strategy: 'jwt', sensitive: true } },
    ])
  })
  afterAll(async () => {
    await app?.close()
    await validator?.close()
    await store?.close()
  })
  beforeEach(() => {
    recorded.length = 0
  })

  const sensitive = (token: string) => attack(app.url, '/sensitive', { headers: bearer(token) })
  const kinds = () => recorded.map((entry) => entry.kind).sort()
  const latestExpiry = () => Math.max(...recorded.map((entry) => entry.expiresAt))

  it.each<[string, (jti: string) => string]>([
    ['signed by a key we do not trust', (jti) => genuine(attacker, 'RS256', { kid: rsa.kid }, { jti })],
    ['unsigned (alg none)', (jti) => unsigned({ jti })],
    ['with a junk signature', (jti) => `${victimToken(jti).split('.').slice(0, 2).join('.')}.AAAA`],
    [
      'genuinely signed but from an untrusted issuer',
      (jti) => genuine(rsa, 'RS256', {}, { jti, iss: 'https://evil.test/' }),
    ],
    ['genuinely signed but for another audience', (jti) => genuine(rsa, 'RS256', {}, { jti, aud: 'x' })],
    [
      'genuinely signed but of another typ (an ID token)',
      (jti) => genuine(rsa, 'RS256', { typ: 'JWT' }, { jti }),
    ],
  ])('a token %s revokes only its own fingerprint, for revocationTtl at most', async (_name, make) => {
    const jti = `victim-${Math.random().toString(36).slice(2)}`
    const victim = victimToken(jti)
    await validator.revoke(make(jti))
    expect(kinds()).toEqual(['fingerprint'])
    expect(latestExpiry()).toBeLessThanOrEqual(nowSeconds() + TTL + 1)
    expect((await sensitive(victim)).status).toBe(200) // the victim is not locked out
  })

  it('an unverifiable token with exp in the year 5138 is kept for revocationTtl, not until then', async () => {
    await validator.revoke(genuine(attacker, 'RS256', {}, { exp: YEAR_5138, iss: 'https://evil.test/' }))
    expect(latestExpiry()).toBeLessThanOrEqual(nowSeconds() + TTL + 1)
  })

  it('a genuine token is revoked by fingerprint and jti until its exp, and refused', async () => {
    const exp = nowSeconds() + 600
    const token = genuine(rsa, 'RS256', {}, { exp })
    expect((await sensitive(token)).status).toBe(200)
    await validator.revoke(token)
    expect(kinds()).toEqual(['fingerprint', 'jti'])
    expect(recorded.every((entry) => entry.expiresAt === exp)).toBe(true)
    expectRefused(await sensitive(token), INVALID_TOKEN, token, REALM)
  })

  it('an expired genuine token may still be revoked by jti', async () => {
    const exp = nowSeconds() - 60
    await validator.revoke(genuine(rsa, 'RS256', {}, { iat: exp - 600, exp }))
    expect(kinds()).toEqual(['fingerprint', 'jti'])
  })

  it('revoke(auth) takes the AuthContext of a request (logout)', async () => {
    const token = genuine(rsa, 'RS256')
    const auth = await validator.verify(token)
    await validator.revoke(auth)
    expect(kinds()).toEqual(['fingerprint', 'jti'])
    expectRefused(await sensitive(token), INVALID_TOKEN, token, REALM)
  })

  it('an object that only looks like an AuthContext is verified like any token', async () => {
    const jti = `victim-${Math.random().toString(36).slice(2)}`
    const forged = genuine(attacker, 'RS256', { kid: rsa.kid }, { jti })
    await validator.revoke({ strategy: 'jwt', token: forged, jti, issuer: ISSUER } as never)
    expect(kinds()).toEqual(['fingerprint'])
    expect((await sensitive(victimToken(jti))).status).toBe(200)
  })

  it('{ jti, iss, exp } needs a trusted issuer and is capped at maxRevocationLifetime', async () => {
    await expect(validator.revoke({ jti: 'a', iss: 'https://evil.test/', exp: YEAR_5138 })).rejects.toThrow(
      TypeError,
    )
    await validator.revoke({ jti: 'a', iss: ISSUER, exp: YEAR_5138 })
    expect(latestExpiry()).toBeLessThanOrEqual(nowSeconds() + MAX_LIFETIME + 1)
    expect(latestExpiry()).toBeGreaterThanOrEqual(nowSeconds() + MAX_LIFETIME - 5)
    const exp = nowSeconds() + 60
    await validator.revoke({ jti: 'b', exp })
    expect(recorded.at(-1)).toMatchObject({ kind: 'jti', expiresAt: exp })
  })

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an empty object', {}],
    ['a list', [ISSUER]],
    ['an empty string', ''],
    ['a jti that is not a string', { jti: 1, exp: nowSeconds() + 60 }],
    ['a missing exp', { jti: 'x' }],
    ['an AuthContext without its token', { strategy: 'jwt', claims: {} }],
  ])('refuses %s with a TypeError naming both accepted forms', async (_name, target) => {
    const refusal = validator.revoke(target as never)
    await expect(refusal).rejects.toThrow(TypeError)
    await expect(refusal).rejects.toThrow(/a token \(a string or an AuthContext\) or \{ jti, iss, exp \}/)
    expect(recorded).toEqual([])
  })
})

describe('revocation while the key set is unreachable', () => {
  it('rejects with the outage and records nothing: a revocation is never silently weaker', async () => {
    const { store, recorded } = recordingStore()
    const validator = createValidator({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwt: { algorithms: ['RS256'], jwksUri: `http://127.0.0.1:${await refusedPort()}/jwks` },
      store,
    })
    const refusal = validator.revoke(genuine(rsa, 'RS256'))
    await expect(refusal).rejects.toBeInstanceOf(TokenError)
    await expect(refusal).rejects.toMatchObject({ status: 503, reason: 'keys_unavailable' })
    expect(recorded).toEqual([])
    await validator.close()
    await store.close()
  })
})
