// The authorization-server side of the bench, in its own process (forked by run.mjs) so its CPU
// is not the load generator's: RFC 8414 / OIDC discovery metadata, the JWKS, and an RFC 7662
// introspection endpoint that answers after a fixed delay (setTimeout) and counts its calls.
// Everything listens on 127.0.0.1. Config arrives as JSON in argv[2]; it answers over IPC.
import { Buffer } from 'node:buffer'
import http from 'node:http'
import { setTimeout } from 'node:timers'
import { URLSearchParams } from 'node:url'

const config = JSON.parse(process.argv[2])
const { jwks, introspectionDelayMs, apiClient, audience, opaquePrefix } = config
// RFC 6749 §2.3.1: id and secret are form-urlencoded before base64; decode both as a real server does.
const formDecode = (value) => decodeURIComponent(value.replace(/\+/g, ' '))
function clientAuthenticated(header) {
  if (typeof header !== 'string' || !header.startsWith('Basic ')) return false
  const [id = '', secret = ''] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')
  try {
    return formDecode(id) === apiClient.id && formDecode(secret) === apiClient.secret
  } catch {
    return false
  }
}
let introspections = 0
let issuer = ''

function json(res, status, body) {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0]
  if (
    req.method === 'GET' &&
    (path === '/.well-known/oauth-authorization-server' || path === '/.well-known/openid-configuration')
  ) {
    return json(res, 200, {
      issuer,
      jwks_uri: `${issuer}jwks`,
      introspection_endpoint: `${issuer}introspect`,
      token_endpoint: `${issuer}token`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
    })
  }
  if (req.method === 'GET' && (path === '/jwks' || path === '/.well-known/jwks.json'))
    return json(res, 200, jwks)
  if (req.method === 'POST' && path === '/introspect') {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      introspections++
      const token = new URLSearchParams(Buffer.concat(chunks).toString('latin1')).get('token') ?? ''
      const authorized = clientAuthenticated(req.headers.authorization)
      setTimeout(() => {
        if (!authorized) return json(res, 401, { error: 'invalid_client' })
        if (!token.startsWith(opaquePrefix)) return json(res, 200, { active: false })
        const now = Math.floor(Date.now() / 1000)
        json(res, 200, {
          active: true,
          iss: issuer,
          aud: audience,
          sub: 'user-' + token.slice(-6),
          client_id: 'client',
          scope: 'items:read payments:write',
          token_type: 'Bearer',
          iat: now - 10,
          exp: now + 3600,
        })
      }, introspectionDelayMs)
    })
    return
  }
  json(res, 404, { error: 'not_found' })
})
server.keepAliveTimeout = 60_000

server.listen(0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}/`
  process.send({ type: 'ready', issuer })
})

process.on('message', (message) => {
  if (message.type === 'stats') process.send({ type: 'stats', id: message.id, introspections })
  if (message.type === 'close') server.close(() => process.exit(0))
})
process.on('disconnect', () => process.exit(0))
