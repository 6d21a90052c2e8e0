/**
 * The loopback HTTP server: RFC 8414 / OIDC discovery, the JWKS, RFC 7662 introspection and RFC
 * 7009 revocation on 127.0.0.1, with request counters and scripted faults.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createFaultTable, type EndpointFault, type TestEndpoint } from './faults.js'
import { allow, authenticateClient, isForm, readBody, send } from './http-io.js'
import type { KeyRing } from './keys.js'
import type { ResolvedIssuerOptions } from './options.js'
import type { TokenRegistry } from './token-registry.js'

/** Requests received, per endpoint, since start (or `resetStats()`). Refused requests count too. */
export interface TestIssuerStats {
  /** GET `/jwks` */
  jwksFetches: number
  /** POST `/introspect` */
  introspections: number
  /** GET of either discovery document */
  metadataFetches: number
  /** POST `/revoke` */
  revocations: number
}

const ROUTES: Record<
  string,
  { endpoint: TestEndpoint; method: 'GET' | 'POST'; counter: keyof TestIssuerStats }
> = {
  '/.well-known/oauth-authorization-server': {
    endpoint: 'metadata',
    method: 'GET',
    counter: 'metadataFetches',
  },
  '/.well-known/openid-configuration': { endpoint: 'metadata', method: 'GET', counter: 'metadataFetches' },
  '/jwks': { endpoint: 'jwks', method: 'GET', counter: 'jwksFetches' },
  '/introspect': { endpoint: 'introspection', method: 'POST', counter: 'introspections' },
  '/revoke': { endpoint: 'revocation', method: 'POST', counter: 'revocations' },
}

export interface IssuerServer {
  url: string
  port: number
  stats(): TestIssuerStats
  /** POST `/introspect` requests whose form named this token. */
  introspectionsOf(token: string): number
  resetStats(): void
  setFault(endpoint: TestEndpoint, fault: EndpointFault | undefined): void
  clearFaults(): void
  close(): Promise<void>
}

export interface ServerParts {
  config: ResolvedIssuerOptions
  keys: KeyRing
  registry: TokenRegistry
}

export async function startIssuerServer({ config, keys, registry }: ServerParts): Promise<IssuerServer> {
  const stats: TestIssuerStats = { jwksFetches: 0, introspections: 0, metadataFetches: 0, revocations: 0 }
  const tokenHits = new Map<string, number>()
  const faults = createFaultTable()
  // Pending fault delays, ended by close() so that no timer outlives the server.
  const delays = new Map<NodeJS.Timeout, () => void>()
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        delays.delete(timer)
        resolve()
      }, ms)
      delays.set(timer, resolve)
    })

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: 'server_error', error_description: String(error) })
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`

  function metadata(openid: boolean): Record<string, unknown> {
    const document: Record<string, unknown> = {
      issuer: url,
      jwks_uri: `${url}/jwks`,
      introspection_endpoint: `${url}/introspect`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint: `${url}/revoke`,
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      // No authorization or token endpoint: tokens are minted in process.
      response_types_supported: [],
      grant_types_supported: [],
      scopes_supported: [],
    }
    if (openid) {
      document.subject_types_supported = ['public']
      document.id_token_signing_alg_values_supported = [...config.algorithms]
    }
    return document
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', url).pathname
    const route = ROUTES[path]
    if (route === undefined) return send(res, 404, { error: 'not_found' })
    if (!allow(req, res, route.method)) return
    stats[route.counter]++
    let params: URLSearchParams | undefined
    if (route.method === 'POST') {
      const body = await readBody(req, res)
      if (body === undefined) return
      params = new URLSearchParams(body)
      const token = params.get('token')
      if (route.endpoint === 'introspection' && token) tokenHits.set(token, (tokenHits.get(token) ?? 0) + 1)
    }
    const fault = faults.take(route.endpoint)
    if (fault?.delayMs !== undefined) await pause(fault.delayMs)
    if (res.destroyed || !server.listening) return
    if (fault?.status !== undefined) {
      const body = fault.body ?? ''
      const type = typeof body === 'string' ? 'text/plain' : 'application/json'
      return send(res, fault.status, body, type, fault.headers)
    }
    if (route.endpoint === 'metadata') return send(res, 200, metadata(path.endsWith('openid-configuration')))
    if (route.endpoint === 'jwks') return send(res, 200, keys.publicJwks(), 'application/jwk-set+json')
    if (!isForm(req, res) || !authenticateClient(req, res, params!, config.clients)) return
    const token = params!.get('token')
    if (!token) return send(res, 400, { error: 'invalid_request', error_description: 'token is required' })
    if (route.endpoint === 'introspection') return send(res, 200, registry.describe(token))
    registry.revoke(token)
    // RFC 7009 §2.2: 200 whether or not the token was known.
    res.writeHead(200, { 'cache-control': 'no-store' }).end()
  }

  return {
    url,
    port,
    stats: () => ({ ...stats }),
    introspectionsOf: (token) => tokenHits.get(token) ?? 0,
    resetStats() {
      stats.jwksFetches = 0
      stats.introspections = 0
      stats.metadataFetches = 0
      stats.revocations = 0
      tokenHits.clear()
    },
    setFault: (endpoint, fault) => faults.set(endpoint, fault),
    clearFaults: () => faults.clear(),
    close() {
      return new Promise<void>((resolve, reject) => {
        for (const [timer, wake] of delays) {
          clearTimeout(timer)
          wake()
        }
        delays.clear()
        if (!server.listening) return resolve()
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
    },
  }
}
