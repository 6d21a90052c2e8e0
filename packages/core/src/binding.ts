import { createHash, timingSafeEqual } from 'node:crypto'
import { InvalidDpopProofError, InvalidTokenError } from './errors.js'
import type { ExtractedToken } from './extract.js'
import { createNonceSource, type NonceSource } from './dpop/nonce.js'
import { verifyDpopProof } from './dpop/proof.js'
import { requestUri } from './dpop/request-url.js'
import type { ResolvedOptions } from './options.js'
import type { RequestLike } from './request.js'
import { addResponseHeaders } from './respond.js'
import type { Store } from './store/store.js'
import type { AuthContext } from './types.js'

/**
 * Sender-constrained tokens: a token bound to a key (`cnf.jkt`, RFC 9449) must come with a DPoP
 * proof by that key, and one bound to a certificate (`cnf["x5t#S256"]`, RFC 8705) over a TLS
 * connection that presented it; a token bound both ways needs both. Binding is checked on every
 * route, sensitive or not: a stolen bound token is useless anywhere.
 */
export function createBindingCheck(resolved: ResolvedOptions, store: Store) {
  const dpop = resolved.dpop
  const nonce: NonceSource | undefined =
    dpop?.nonce === undefined
      ? undefined
      : createNonceSource(dpop.nonce.secret, dpop.nonce.lifetimeMs, resolved.now)
  const clockToleranceMs = resolved.clockToleranceMs

  async function checkDpop(request: RequestLike, token: string, jkt: string): Promise<void> {
    const proof = singleProof(request)
    const thumbprint = await verifyDpopProof({
      proof,
      method: request.method,
      uri: requestUri(request, dpop!),
      accessToken: token,
      algorithms: dpop!.algorithms,
      maxAgeMs: dpop!.maxAgeMs,
      clockToleranceMs,
      nowMs: resolved.now(),
      nonce,
      remember: (key, ttlMs) => store.addIfAbsent(key, ttlMs),
      respond: (headers) => addResponseHeaders(request, headers),
    })
    if (!equal(thumbprint, jkt)) throw new InvalidDpopProofError({ reason: 'binding_mismatch' })
  }

  function checkCertificate(request: RequestLike, thumbprint: string): void {
    const certificate =
      request.peerCertificate?.() ?? forwardedCertificate(request, resolved.mtls.certificateHeader)
    if (certificate === undefined || certificate.length === 0)
      throw new InvalidTokenError({ reason: 'binding_mismatch' })
    const actual = createHash('sha256').update(certificate).digest('base64url')
    if (!equal(actual, thumbprint)) throw new InvalidTokenError({ reason: 'binding_mismatch' })
  }

  /**
   * Every confirmation method the token carries is enforced: `jkt` and `x5t#S256` together need
   * both the DPoP proof and the certificate. Undefined when there is nothing to wait for (no DPoP
   * proof to check on this request).
   */
  return function checkBinding(
    request: RequestLike,
    extracted: ExtractedToken,
    context: AuthContext,
  ): Promise<void> | undefined {
    const jkt = context.binding?.jkt
    const x5t = context.binding?.x5tS256
    if (extracted.scheme === 'dpop') {
      // §7.1: the DPoP scheme carries DPoP-bound tokens only.
      if (jkt === undefined) throw new InvalidTokenError({ reason: 'binding_mismatch' })
      // The certificate first: it is cheap, and a refused request should not spend the proof's jti.
      if (x5t !== undefined) checkCertificate(request, x5t)
      return checkDpop(request, extracted.token, jkt)
    }
    // §7.2: a DPoP-bound token presented as a plain bearer token is refused.
    if (jkt !== undefined) throw new InvalidTokenError({ reason: 'binding_mismatch' })
    if (dpop?.required) throw new InvalidTokenError({ reason: 'dpop_required' })
    if (x5t !== undefined) checkCertificate(request, x5t)
    return undefined
  }
}

function singleProof(request: RequestLike): string {
  const value = request.headers.dpop
  const count =
    request.rawHeaders?.filter((name, i) => i % 2 === 0 && name.toLowerCase() === 'dpop').length ?? 1
  if (typeof value !== 'string' || count !== 1) throw new InvalidDpopProofError({})
  return value
}

/** RFC 9440 `Client-Cert: :base64(DER):`, or a URL-encoded PEM (nginx `$ssl_client_escaped_cert`). */
function forwardedCertificate(request: RequestLike, header: string | undefined): Uint8Array | undefined {
  if (header === undefined) return undefined
  const value = request.headers[header]
  if (typeof value !== 'string' || value === '') return undefined
  if (value.startsWith(':') && value.endsWith(':')) return Buffer.from(value.slice(1, -1), 'base64')
  try {
    const pem = decodeURIComponent(value)
    const body = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)?.[1]
    return body === undefined ? undefined : Buffer.from(body.replace(/\s+/g, ''), 'base64')
  } catch {
    return undefined
  }
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}
