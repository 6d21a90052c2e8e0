// The authorization servers of the issuers curve: ONE loopback HTTP server, in its own process
// (forked by growth.mjs, pinned away from the validator's CPU), standing for N issuers
// `http://127.0.0.1:<port>/t<i>`. Each has its RFC 8414 metadata (naming its own jwks_uri), the
// OIDC discovery document as a fallback, and its own JWKS. It counts every request it answers, so
// the curve can show how many fetches a new issuer costs. Public keys arrive over IPC.
import { Buffer } from 'node:buffer'
import http from 'node:http'

let origin = ''
/** The JWKS of issuer t<i>, serialized once. */
let jwksTexts = []
const counts = { metadata: 0, jwks: 0, other: 0 }

function send(res, status, text) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function metadata(i) {
  const issuer = `${origin}/t${i}`
  return JSON.stringify({
    issuer,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    id_token_signing_alg_values_supported: ['ES256'],
  })
}

/** The issuer index a path names (t0 … t<N-1>), or -1. */
function tenant(segment) {
  if (!/^t\d{1,6}$/.test(segment ?? '')) return -1
  const i = Number(segment.slice(1))
  return i < jwksTexts.length ? i : -1
}

const server = http.createServer((req, res) => {
  const parts = req.url.split('?')[0].split('/') // ['', …]
  if (req.method === 'GET') {
    // RFC 8414 §3.1: /.well-known/oauth-authorization-server/t<i>
    if (parts.length === 4 && parts[1] === '.well-known' && parts[2] === 'oauth-authorization-server') {
      const i = tenant(parts[3])
      if (i >= 0) return (counts.metadata++, send(res, 200, metadata(i)))
    }
    // OIDC Discovery §4: /t<i>/.well-known/openid-configuration
    if (parts.length === 4 && parts[2] === '.well-known' && parts[3] === 'openid-configuration') {
      const i = tenant(parts[1])
      if (i >= 0) return (counts.metadata++, send(res, 200, metadata(i)))
    }
    if (parts.length === 3 && parts[2] === 'jwks') {
      const i = tenant(parts[1])
      if (i >= 0) return (counts.jwks++, send(res, 200, jwksTexts[i]))
    }
  }
  counts.other++
  send(res, 404, '{"error":"not_found"}')
})
server.keepAliveTimeout = 60_000

server.listen(0, '127.0.0.1', () => {
  origin = `http://127.0.0.1:${server.address().port}`
  process.send({ type: 'ready', origin })
})

process.on('message', (message) => {
  if (message.type === 'issuers') {
    jwksTexts = message.jwks.map((jwks) => JSON.stringify(jwks))
    process.send({ type: 'issuers', id: message.id, count: jwksTexts.length })
  }
  if (message.type === 'stats') process.send({ type: 'stats', id: message.id, ...counts })
  if (message.type === 'close') {
    server.closeAllConnections()
    server.close(() => process.exit(0))
  }
})
process.on('disconnect', () => process.exit(0))
