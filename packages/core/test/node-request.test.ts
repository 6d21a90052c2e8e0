import { execFileSync } from 'node:child_process'
import { createHash, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttpServer, request as httpRequest } from 'node:http'
import { createServer as createHttpsServer, request as httpsRequest, type Server } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { fromNodeRequest } from '../src/node-request'
import type { RequestLike } from '../src/request'

// A real mutual-TLS connection on loopback: a self-signed server certificate and a client
// certificate made with openssl, so peerCertificate() is read from a live socket.
const dir = mkdtempSync(join(tmpdir(), 'tokenguard-mtls-'))
const file = (name: string) => join(dir, name)
function selfSigned(name: string) {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.crt`),
    ],
    { stdio: 'ignore' },
  )
  return { key: readFileSync(file(`${name}.key`)), cert: readFileSync(file(`${name}.crt`)) }
}
const server = selfSigned('server')
const client = selfSigned('client')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function capture(
  listen: (
    handler: (req: Parameters<typeof fromNodeRequest>[0]) => void,
  ) => Server | ReturnType<typeof createHttpServer>,
) {
  return new Promise<{ seen: RequestLike; der: Uint8Array | undefined; close: () => void; port: number }>(
    (resolve) => {
      const instance = listen((req) => {
        const seen = fromNodeRequest(req, { url: '/view', body: { a: 1 } })
        resolve({ seen, der: seen.peerCertificate?.(), close: () => instance.close(), port: 0 })
      })
    },
  )
}

it('reads protocol and the client certificate from a mutual-TLS socket', async () => {
  let port = 0
  const captured = capture((handler) => {
    const https = createHttpsServer(
      { key: server.key, cert: server.cert, ca: client.cert, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        handler(req)
        res.end('ok')
      },
    )
    https.listen(0, '127.0.0.1', () => {
      port = (https.address() as AddressInfo).port
      const req = httpsRequest({
        host: '127.0.0.1',
        port,
        path: '/raw?x=1',
        key: client.key,
        cert: client.cert,
        ca: server.cert,
        agent: false,
      })
      req.on('response', (res) => res.resume())
      req.end()
    })
    return https
  })
  const { seen, der, close } = await captured
  close()
  expect(seen).toMatchObject({ method: 'GET', url: '/view', body: { a: 1 }, protocol: 'https' })
  const expected = new X509Certificate(client.cert).raw
  expect(Buffer.from(der!)).toEqual(expected)
  expect(createHash('sha256').update(der!).digest('base64url')).toHaveLength(43)
})

it('reports http and no certificate on a plain connection', async () => {
  const captured = capture((handler) => {
    const http = createHttpServer((req, res) => {
      handler(req)
      res.end('ok')
    })
    http.listen(0, '127.0.0.1', () => {
      const req = httpRequest({ host: '127.0.0.1', port: (http.address() as AddressInfo).port, path: '/p' })
      req.on('response', (res) => res.resume())
      req.end()
    })
    return http
  })
  const { seen, der, close } = await captured
  close()
  expect(seen.protocol).toBe('http')
  expect(seen.rawHeaders).toContain('Host')
  expect(der).toBeUndefined()
})
