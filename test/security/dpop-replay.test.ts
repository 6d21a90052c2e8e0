import { createHash, randomUUID } from 'node:crypto'
import { MemoryStore, createValidator, type Validator } from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM, type RunningApp } from '@tokenguard/conformance'
import { HARNESSES, UNAVAILABLE, attack, expectRefused } from './src/attack'
import { b64, ecKey, forge, rsaKey, signature } from './src/forge'

// DPoP proof replay protection in the default store (RFC 9449 §11.1): the replay set is not the
// cache LRU, never forgets a proof id before it expires, and when it is full a new proof is
// refused with a 503 (never accepted: accepting would let a captured proof be replayed later).
const ORIGIN = 'https://api.test'
const rsa = rsaKey('rsa-dpop')
const holder = ecKey('holder', 'P-256')
const jkt = createHash('sha256')
  .update(JSON.stringify({ crv: 'P-256', kty: 'EC', x: holder.jwk.x, y: holder.jwk.y }))
  .digest('base64url')

const boundToken = () =>
  forge({ header: { alg: 'RS256', kid: rsa.kid }, payload: { cnf: { jkt } } }, 'RS256', rsa.privateKey)

function proof(token: string, jti = randomUUID()): string {
  const header = {
    typ: 'dpop+jwt',
    alg: 'ES256',
    jwk: { kty: 'EC', crv: 'P-256', x: holder.jwk.x, y: holder.jwk.y },
  }
  const payload = {
    htm: 'GET',
    htu: `${ORIGIN}/orders`,
    iat: Math.floor(Date.now() / 1000),
    jti,
    ath: createHash('sha256').update(token).digest('base64url'),
  }
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`
  return `${input}.${b64(signature('ES256', holder.privateKey, input))}`
}

describe.each(HARNESSES)('DPoP replay guard of the default store on $name', (harness) => {
  let app: RunningApp
  let validator: Validator
  const CAPACITY = 3

  beforeAll(async () => {
    validator = createValidator({
      issuer: ISSUER,
      audience: AUDIENCE,
      realm: REALM,
      jwt: { algorithms: ['RS256'], jwks: { keys: [rsa.jwk] } },
      dpop: { origin: ORIGIN },
      store: new MemoryStore({ max: 1, maxReplayEntries: CAPACITY }),
    })
    app = await harness.start(validator, [{ path: '/orders', method: 'GET', route: {} }])
  })
  afterAll(async () => {
    await app.close()
    await validator.close()
  })

  const send = (token: string, dpop: string) =>
    attack(app.url, '/orders', {
      headers: [
        ['Authorization', `DPoP ${token}`],
        ['DPoP', dpop],
      ],
    })

  it('accepts fresh proofs up to the capacity, refuses a replay, then answers 503 + Retry-After, never 200', async () => {
    const token = boundToken()
    const first = proof(token)
    for (let i = 0; i < CAPACITY; i++) {
      expect((await send(token, i === 0 ? first : proof(token))).status).toBe(200)
    }
    // A replay is still a replay (401), full set or not; a cache of one value forgot nothing.
    const replay = await send(token, first)
    expect(replay.status).toBe(401)
    expect((replay.json as { error?: string }).error).toBe('invalid_dpop_proof')
    // No room for a new proof id: refused as unavailable, never accepted unrecorded.
    for (let i = 0; i < 3; i++) expectRefused(await send(token, proof(token)), UNAVAILABLE, token)
    expect((await send(token, first)).status).toBe(401)
  })
})
