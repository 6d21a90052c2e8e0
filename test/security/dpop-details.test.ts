import { createHash, generateKeyPairSync, randomUUID, sign as cryptoSign, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { createValidator, type Validator } from '@tokenguard/core'
import { AUDIENCE, ISSUER, REALM, type RunningApp, type RouteSpec } from '@tokenguard/conformance'
import { connect } from 'node:net'
import { HARNESSES, attack, parseChallenge, portOf, type Timed } from './src/attack'
import { b64, claims, ecKey, rsaKey, signature } from './src/forge'

// RFC 9449 details on every adapter: fully-specified algorithms (RFC 9864 `Ed25519`) accepted by
// default and advertised; `htu` compared after RFC 3986 §6.2.2 normalisation; absolute-form request
// targets (RFC 9112 §3.2.2); `Cache-Control: no-store` beside every `DPoP-Nonce` (§8.2).

const rsa = rsaKey('rsa-dpop')
const ORIGIN = 'https://api.example'
const ALGS = 'ES256 Ed25519 EdDSA PS256 RS256'
const NONCE_SECRET = 'nonce-secret-shared-by-every-instance!'

interface ProofKey {
  alg: string
  jwk: JWK
  sign: (input: string) => Buffer
}

function okpKey(curve: 'ed25519' | 'ed448', alg: string): ProofKey {
  const { privateKey, publicKey } = generateKeyPairSync(curve as 'ed25519')
  const { kty, crv, x } = publicKey.export({ format: 'jwk' })
  return {
    alg,
    jwk: { kty, crv, x } as JWK,
    sign: (input) => cryptoSign(null, Buffer.from(input), privateKey),
  }
}
function es256Key(): ProofKey {
  const key = ecKey('proof', 'P-256')
  const { kty, crv, x, y } = key.jwk
  return {
    alg: 'ES256',
    jwk: { kty, crv, x, y } as JWK,
    sign: (input) => signature('ES256', key.privateKey as KeyObject, input),
  }
}

const ed25519 = okpKey('ed25519', 'Ed25519')
const ed25519Legacy = okpKey('ed25519', 'EdDSA')
const ed448 = okpKey('ed448', 'EdDSA')
const es256 = es256Key()

interface ProofParts {
  htu?: string
  htm?: string
  alg?: string
  nonce?: string
  /** Issue time in seconds; default now. */
  iat?: number
}

function proof(key: ProofKey, token: string, parts: ProofParts = {}): string {
  const header = { typ: 'dpop+jwt', alg: parts.alg ?? key.alg, jwk: key.jwk }
  const payload = {
    htm: parts.htm ?? 'GET',
    htu: parts.htu ?? `${ORIGIN}/jwt`,
    jti: randomUUID(),
    iat: parts.iat ?? Math.floor(Date.now() / 1000),
    ath: createHash('sha256').update(token).digest('base64url'),
    ...(parts.nonce === undefined ? {} : { nonce: parts.nonce }),
  }
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`
  return `${input}.${b64(key.sign(input))}`
}

/** An RS256 access token bound (`cnf.jkt`, RFC 9449 §6.1) to `key`. */
async function boundToken(key: ProofKey): Promise<string> {
  const jkt = await calculateJwkThumbprint(key.jwk, 'sha256')
  const header = { alg: 'RS256', kid: rsa.kid, typ: 'at+jwt' }
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims({ cnf: { jkt } })))}`
  return `${input}.${b64(signature('RS256', rsa.privateKey, input))}`
}

const dpopHeaders = (token: string, proofJwt: string): Array<[string, string]> => [
  ['Authorization', `DPoP ${token}`],
  ['DPoP', proofJwt],
]

function expectDpopRefusal(answer: Timed, error: string): void {
  expect(answer.status).toBe(401)
  const { scheme, params } = parseChallenge(String(answer.headers['www-authenticate']))
  expect({ scheme, error: params.error, realm: params.realm, algs: params.algs }).toEqual({
    scheme: 'DPoP',
    error,
    realm: REALM,
    algs: ALGS,
  })
  expect((answer.json as { error?: string } | undefined)?.error).toBe(error)
}

const routes: RouteSpec[] = [
  { path: '/jwt', method: 'GET', route: {} },
  { path: '/r/:id', method: 'GET', route: {} },
  { path: '/next', method: 'GET', route: { errors: 'next' } },
]

/** One request over a raw socket (a request line node:http's client will not send); the status code. */
function rawStatus(port: number, head: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error('raw request: no answer within 5 s'))
    }, 5000)
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      received += chunk
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)
      if (status === null) return
      clearTimeout(timer)
      socket.destroy()
      resolve(Number(status[1]))
    })
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    socket.write(head)
  })
}

describe.each(HARNESSES)('$name: DPoP details', (harness) => {
  const validators: Validator[] = []
  let app: RunningApp
  let byHost: RunningApp
  let nonced: RunningApp
  let clocked: RunningApp
  let shift = 0
  const tokens = new Map<ProofKey, string>()
  const tokenOf = (key: ProofKey) => tokens.get(key)!

  beforeAll(async () => {
    const base = {
      issuer: ISSUER,
      audience: AUDIENCE,
      realm: REALM,
      jwt: { algorithms: ['RS256'], jwks: { keys: [rsa.jwk as never] } },
    }
    const make = (dpop: object) => {
      const validator = createValidator({ ...base, dpop })
      validators.push(validator)
      return validator
    }
    app = await harness.start(make({ origin: ORIGIN }), routes)
    byHost = await harness.start(make({ allowedHosts: ['api.example'] }), routes)
    nonced = await harness.start(make({ origin: ORIGIN, nonce: { secret: NONCE_SECRET } }), routes)
    const clockedValidator = createValidator({
      ...base,
      dpop: { origin: ORIGIN, nonce: { secret: NONCE_SECRET, lifetime: 300 } },
      now: () => Date.now() + shift,
    })
    validators.push(clockedValidator)
    clocked = await harness.start(clockedValidator, [
      ...routes,
      { path: '/scoped', method: 'GET', route: {}, scopes: ['admin'] },
    ])
    for (const key of [ed25519, ed25519Legacy, ed448, es256]) tokens.set(key, await boundToken(key))
  })
  afterAll(async () => {
    await Promise.all([app, byHost, nonced, clocked].map((running) => running?.close()))
    await Promise.all(validators.map((validator) => validator.close()))
  })

  describe('the DPoP scheme takes 1*SP like Bearer (RFC 9449 §7.1, RFC 6750 §2.1)', () => {
    it.each([
      ['two spaces', '  ', 200],
      ['eight spaces', '        ', 200],
      ['a tab', '\t', 400],
      ['a space and a tab', ' \t', 400],
      ['a comma', ',', 400],
    ])('%s after DPoP', async (_name, separator, status) => {
      const token = tokenOf(es256)
      const answer = await attack(app.url, '/jwt', {
        headers: [
          ['Authorization', `DPoP${separator}${token}`],
          ['DPoP', proof(es256, token)],
        ],
      })
      expect(answer.status).toBe(status)
      if (status === 400) {
        const { scheme, params } = parseChallenge(String(answer.headers['www-authenticate']))
        expect([scheme, params.error]).toEqual(['DPoP', 'invalid_request'])
      }
    })
  })

  describe('fully-specified algorithms (RFC 9864)', () => {
    it.each([
      ['Ed25519 (fully specified)', ed25519],
      ['EdDSA over Ed25519', ed25519Legacy],
      ['ES256', es256],
    ])('accepts a proof signed %s by default', async (_name, key) => {
      const token = tokenOf(key)
      const answer = await attack(app.url, '/jwt', { headers: dpopHeaders(token, proof(key, token)) })
      expect(answer.status).toBe(200)
    })

    it('names Ed25519 in the algs of every DPoP challenge', async () => {
      const token = tokenOf(ed25519)
      const answer = await attack(app.url, '/jwt', { headers: [['Authorization', `DPoP ${token}`]] })
      expectDpopRefusal(answer, 'invalid_dpop_proof')
    })

    it.each([
      ['Ed25519 over an Ed448 key', ed448, 'Ed25519'],
      ['EdDSA over an Ed448 key (no implementation supports it)', ed448, 'EdDSA'],
      ['Ed448 (not accepted)', ed448, 'Ed448'],
      ['Ed25519 over a P-256 key', es256, 'Ed25519'],
      ['ES256 over an Ed25519 key', ed25519, 'ES256'],
    ])('refuses a proof of %s', async (_name, key, alg) => {
      const token = tokenOf(key)
      const answer = await attack(app.url, '/jwt', {
        headers: dpopHeaders(token, proof(key, token, { alg })),
      })
      expectDpopRefusal(answer, 'invalid_dpop_proof')
    })
  })

  describe('htu after RFC 3986 §6.2.2 normalisation (RFC 9449 §4.3)', () => {
    it.each<[string, string, string]>([
      ['scheme and host in upper case', '/jwt', 'HTTPS://API.EXAMPLE/jwt'],
      ['the default port written out', '/jwt', 'https://api.example:443/jwt'],
      ['an unreserved character percent-encoded in htu', '/jwt', 'https://api.example/%6Awt'],
      ['an unreserved character percent-encoded in the request', '/r/%7Euser', 'https://api.example/r/~user'],
      ['a lower-case percent-encoding in htu', '/r/%7Euser', 'https://api.example/r/%7euser'],
      ['a reserved character, its encoding in either case', '/r/a%2Fb', 'https://api.example/r/a%2fb'],
      ['UTF-8 percent-encoded, in either case', '/r/caf%C3%A9', 'https://api.example/r/caf%c3%a9'],
      ['a letter and a digit encoded', '/r/A1', 'https://api.example/r/%411'],
      ['htu with a query and a fragment (ignored)', '/jwt?x=1', 'https://api.example/jwt?y=2#z'],
    ])('accepts %s', async (_name, path, htu) => {
      const token = tokenOf(es256)
      const answer = await attack(app.url, path, {
        headers: dpopHeaders(token, proof(es256, token, { htu })),
      })
      expect(answer.status).toBe(200)
    })

    it.each<[string, string, string]>([
      ['an encoded slash against a real one', '/r/a%2Fb', 'https://api.example/r/a/b'],
      ['a real slash against an encoded one', '/r/a', 'https://api.example/r%2Fa'],
      ['another path', '/jwt', 'https://api.example/other'],
      ['another scheme', '/jwt', 'http://api.example/jwt'],
      ['another port', '/jwt', 'https://api.example:8443/jwt'],
      ['another host', '/jwt', 'https://api.example.evil/jwt'],
      ['userinfo', '/jwt', 'https://user@api.example/jwt'],
      ['a relative reference', '/jwt', '/jwt'],
      ['a bad percent-encoding', '/r/a', 'https://api.example/r/%zz'],
    ])('refuses %s', async (_name, path, htu) => {
      const token = tokenOf(es256)
      const answer = await attack(app.url, path, {
        headers: dpopHeaders(token, proof(es256, token, { htu })),
      })
      expectDpopRefusal(answer, 'invalid_dpop_proof')
    })
  })

  describe('absolute-form request targets (RFC 9112 §3.2.2)', () => {
    async function absolute(target: string, host: string, htu: string, running = app) {
      const token = tokenOf(es256)
      const head =
        `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: DPoP ${token}\r\n` +
        `DPoP: ${proof(es256, token, { htu })}\r\nConnection: close\r\n\r\n`
      return rawStatus(portOf(running.url), head)
    }

    it('maps an absolute-form target to its path under the configured origin', async () => {
      expect(await absolute('https://api.example/jwt', 'api.example', `${ORIGIN}/jwt`)).toBe(200)
      expect(await absolute('https://API.example:443/r/%7Eu', 'x', `${ORIGIN}/r/~u`)).toBe(200)
    })

    it('refuses an absolute-form target naming another host than the origin', async () => {
      expect(await absolute('https://other.example/jwt', 'api.example', 'https://other.example/jwt')).toBe(
        401,
      )
      expect(await absolute('https://other.example/jwt', 'api.example', `${ORIGIN}/jwt`)).toBe(401)
      expect(await absolute('https://u@api.example/jwt', 'api.example', `${ORIGIN}/jwt`)).toBe(401)
    })

    it('without an origin, takes the host from the target, not from Host, and checks it', async () => {
      const htu = 'https://api.example/jwt'
      expect(await absolute('https://api.example/jwt', 'elsewhere.example', htu, byHost)).toBe(200)
      const elsewhere = 'https://elsewhere.example/jwt'
      expect(await absolute(elsewhere, 'api.example', elsewhere, byHost)).toBe(401)
      expect(await absolute(elsewhere, 'api.example', htu, byHost)).toBe(401)
    })

    it('control: an origin-form target takes the allowed Host header', async () => {
      const token = tokenOf(es256)
      const head =
        `GET /jwt HTTP/1.1\r\nHost: api.example\r\nAuthorization: DPoP ${token}\r\n` +
        `DPoP: ${proof(es256, token, { htu: 'http://api.example/jwt' })}\r\nConnection: close\r\n\r\n`
      expect(await rawStatus(portOf(byHost.url), head)).toBe(200)
    })
  })

  describe('server nonces (RFC 9449 §8)', () => {
    async function askNonce(path: string): Promise<Timed> {
      const token = tokenOf(es256)
      return attack(nonced.url, path, {
        headers: dpopHeaders(token, proof(es256, token, { htu: `${ORIGIN}${path}` })),
      })
    }

    it.each(['/jwt', '/next'])('a DPoP-Nonce comes with Cache-Control: no-store (%s)', async (path) => {
      const answer = await askNonce(path)
      expect(answer.status).toBe(401)
      expect(String(answer.headers['dpop-nonce'])).toMatch(/^[A-Za-z0-9._~+/-]+$/)
      expect(answer.headers['cache-control']).toBe('no-store')
      expect(parseChallenge(String(answer.headers['www-authenticate'])).params.error).toBe('use_dpop_nonce')
    })

    it('a proof with the nonce is accepted; a refusal without a nonce sends no Cache-Control', async () => {
      const token = tokenOf(es256)
      const nonce = String((await askNonce('/jwt')).headers['dpop-nonce'])
      const answer = await attack(nonced.url, '/jwt', {
        headers: dpopHeaders(token, proof(es256, token, { nonce })),
      })
      expect(answer.status).toBe(200)
      const bad = await attack(nonced.url, '/jwt', { headers: [['Authorization', `DPoP ${token}`]] })
      expect([bad.status, bad.headers['dpop-nonce'], bad.headers['cache-control']]).toEqual([
        401,
        undefined,
        undefined,
      ])
    })

    it('an aging nonce is replaced on the success response, with Cache-Control: no-store (§8.2)', async () => {
      shift = 0
      const token = tokenOf(es256)
      const ask = await attack(clocked.url, '/jwt', { headers: dpopHeaders(token, proof(es256, token)) })
      const nonce = String(ask.headers['dpop-nonce'])
      expect([ask.status, ask.headers['cache-control']]).toEqual([401, 'no-store'])

      // Young (under half its lifetime): accepted, nothing added.
      shift = 100_000
      const iat = () => Math.floor((Date.now() + shift) / 1000)
      const young = await attack(clocked.url, '/jwt', {
        headers: dpopHeaders(token, proof(es256, token, { nonce, iat: iat() })),
      })
      expect([young.status, young.headers['dpop-nonce'], young.headers['cache-control']]).toEqual([
        200,
        undefined,
        undefined,
      ])

      // Aging: accepted, and the answer carries the next nonce, never to be cached.
      shift = 200_000
      const aging = await attack(clocked.url, '/jwt', {
        headers: dpopHeaders(token, proof(es256, token, { nonce, iat: iat() })),
      })
      expect(aging.status).toBe(200)
      expect(aging.headers['cache-control']).toBe('no-store')
      const next = String(aging.headers['dpop-nonce'])
      expect(next).not.toBe(nonce)

      // Past its lifetime the old one is refused; the one handed out on success is taken.
      shift = 320_000
      const old = await attack(clocked.url, '/jwt', {
        headers: dpopHeaders(token, proof(es256, token, { nonce, iat: iat() })),
      })
      expect([old.status, old.headers['cache-control']]).toEqual([401, 'no-store'])
      const renewed = await attack(clocked.url, '/jwt', {
        headers: dpopHeaders(token, proof(es256, token, { nonce: next, iat: iat() })),
      })
      expect(renewed.status).toBe(200)
    })

    it('the next nonce stays on the answer when a guard then refuses the request', async () => {
      shift = 0
      const token = tokenOf(es256)
      const nonce = String(
        (
          await attack(clocked.url, '/scoped', {
            headers: dpopHeaders(token, proof(es256, token, { htu: `${ORIGIN}/scoped` })),
          })
        ).headers['dpop-nonce'],
      )
      shift = 200_000
      const answer = await attack(clocked.url, '/scoped', {
        headers: dpopHeaders(
          token,
          proof(es256, token, {
            htu: `${ORIGIN}/scoped`,
            nonce,
            iat: Math.floor((Date.now() + shift) / 1000),
          }),
        ),
      })
      expect(answer.status).toBe(403)
      expect(String(answer.headers['dpop-nonce'])).not.toBe(nonce)
      expect(answer.headers['cache-control']).toBe('no-store')
    })
  })
})
