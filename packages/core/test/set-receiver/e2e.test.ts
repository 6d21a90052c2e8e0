import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createValidator, type Validator } from '../../src/validator.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import { createSetReceiver, type SetReceiver } from '../../src/set-receiver/index.js'
import { startScriptedServer, type ScriptedServer } from '../helpers/scripted-server.js'
import { AUDIENCE, ISSUER, accessToken, signingKey, type SigningKey } from '../helpers/tokens.js'
import { RECEIVER, SESSION_REVOKED, TRANSMITTER, signSet } from './helpers.js'

/**
 * End to end over loopback HTTP: a transmitter serves its JWK set and pushes a signed SET to the
 * receiver mounted on instance A; instance B shares A's store and refuses the subject's older
 * token on a sensitive route, while a non-sensitive route (no denylist check) still takes it.
 */

let idpKey: SigningKey
let transmitterKey: SigningKey
let jwks: ScriptedServer
let receiverServer: Server
let receiverUrl: string
let a: Validator
let b: Validator
let receiver: SetReceiver

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  )
}

beforeAll(async () => {
  ;[idpKey, transmitterKey] = await Promise.all([
    signingKey('RS256', 'idp'),
    signingKey('ES256', 'transmitter'),
  ])
  // The transmitter's key set (a SET transmitter, not an authorization server: the scripted server).
  jwks = await startScriptedServer(() => ({
    headers: { 'content-type': 'application/jwk-set+json' },
    body: { keys: [transmitterKey.publicJwk] },
  }))
  const jwksUri = `${jwks.url}/jwks`

  const store = new MemoryStore()
  const options = {
    issuer: ISSUER,
    audience: AUDIENCE,
    jwt: { algorithms: ['RS256'], jwks: { keys: [idpKey.publicJwk] } },
    store,
  }
  a = createValidator(options)
  b = createValidator(options)
  await Promise.all([a.ready(), b.ready()])
  receiver = createSetReceiver({
    validator: a,
    transmitter: { issuer: TRANSMITTER, jwksUri },
    audience: RECEIVER,
  })

  // The adapter's job, in plain node:http: collect the body, hand it over, write the answer.
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const answer = await receiver.handle({
      method: req.method ?? 'GET',
      headers: req.headers,
      body: Buffer.concat(chunks),
    })
    res.writeHead(answer.status, answer.headers)
    res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body))
  }
  // A failure answers 500, so the test that sent the request fails on its status.
  receiverServer = createServer((req, res) => void serve(req, res).catch(() => res.writeHead(500).end()))
  receiverUrl = `${await listen(receiverServer)}/events`
})

afterAll(async () => {
  receiver?.close()
  await Promise.all([a?.close(), b?.close()])
  await jwks?.close()
  receiverServer?.closeAllConnections()
  await new Promise((resolve) => receiverServer?.close(resolve))
})

const push = (body: string, contentType = 'application/secevent+jwt') =>
  fetch(receiverUrl, {
    method: 'POST',
    headers: { 'content-type': contentType, accept: 'application/json' },
    body,
  })

it('a session-revoked SET accepted on A makes B refuse the subject on a sensitive route', async () => {
  const now = Math.floor(Date.now() / 1000)
  const token = await accessToken(idpKey, { sub: 'alice', iat: now - 60, exp: now + 600, jti: 'alice-1' })
  const other = await accessToken(idpKey, { sub: 'bob', iat: now - 60, exp: now + 600, jti: 'bob-1' })
  await expect(b.verify(token, { sensitive: true })).resolves.toMatchObject({ subject: 'alice' })

  const set = await signSet(transmitterKey, {
    iat: now,
    events: {
      [SESSION_REVOKED]: {
        subject: { format: 'iss_sub', iss: ISSUER, sub: 'alice' },
        event_timestamp: now - 10,
      },
    },
  })
  const response = await push(set)
  expect(response.status).toBe(202)
  expect(await response.text()).toBe('')
  expect(jwks.hits()).toBe(1)

  await expect(b.verify(token, { sensitive: true })).rejects.toMatchObject({ status: 401, reason: 'revoked' })
  await expect(a.verify(token, { sensitive: true })).rejects.toMatchObject({ reason: 'revoked' })
  // Only sensitive routes consult the denylist; other subjects are untouched.
  await expect(b.verify(token)).resolves.toMatchObject({ subject: 'alice' })
  await expect(b.verify(other, { sensitive: true })).resolves.toMatchObject({ subject: 'bob' })
  // A token issued after the event (alice signed in again) is accepted.
  const fresh = await accessToken(idpKey, { sub: 'alice', iat: now, exp: now + 600, jti: 'alice-2' })
  await expect(b.verify(fresh, { sensitive: true })).resolves.toMatchObject({ subject: 'alice' })

  // The same SET again: acknowledged, nothing new.
  expect((await push(set)).status).toBe(202)
})

it('a jwt_id SET revokes one token by jti on every instance', async () => {
  const now = Math.floor(Date.now() / 1000)
  const token = await accessToken(idpKey, { sub: 'dave', iat: now - 5, exp: now + 600, jti: 'dave-1' })
  const sibling = await accessToken(idpKey, { sub: 'dave', iat: now - 5, exp: now + 600, jti: 'dave-2' })
  const set = await signSet(transmitterKey, {
    iat: now,
    events: { [SESSION_REVOKED]: { subject: { format: 'jwt_id', iss: ISSUER, jti: 'dave-1' } } },
  })
  expect((await push(set)).status).toBe(202)
  await expect(b.verify(token, { sensitive: true })).rejects.toMatchObject({ reason: 'revoked' })
  await expect(b.verify(sibling, { sensitive: true })).resolves.toMatchObject({ jti: 'dave-2' })
})

it('answers RFC 8935 errors over HTTP', async () => {
  const now = Math.floor(Date.now() / 1000)
  const wrongAudience = await signSet(transmitterKey, { iat: now, aud: 'https://elsewhere.test' })
  const response = await push(wrongAudience)
  expect(response.status).toBe(400)
  expect(response.headers.get('content-type')).toBe('application/json')
  expect(await response.json()).toEqual({ err: 'invalid_audience', description: expect.any(String) })

  const forged = await signSet(idpKey, { iat: now }, { kid: 'transmitter', alg: 'RS256' })
  expect(await (await push(forged)).json()).toMatchObject({ err: 'invalid_key' })
  expect((await push(wrongAudience, 'application/json')).status).toBe(415)
  expect((await fetch(receiverUrl)).status).toBe(405)
})
