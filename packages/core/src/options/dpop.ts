import { DEFAULT_DPOP_ALGORITHMS } from '../dpop/algorithms.js'
import { checkUrl } from '../url-rules.js'
import { DEFAULTS } from './defaults.js'
import { ASYMMETRIC_ALGORITHMS, optionalBoolean, seconds, secretBytes, stringList } from './values.js'

export interface DpopOptions {
  /** Accepted proof algorithms. Default ES256, Ed25519, EdDSA, PS256, RS256. */
  algorithms?: readonly string[]
  /** Refuse bearer tokens altogether: every token must come with a proof. Default false. */
  required?: boolean
  /** Oldest accepted proof (`iat`), in seconds. Default 60. */
  maxAge?: number
  /** Require server nonces (RFC 9449 §8); give one secret to every instance of a fleet. */
  nonce?: { secret?: string | Uint8Array; lifetime?: number }
  /** The API's public origin, the trusted base of `htu` (`https://api.example.com`). */
  origin?: string
  /** Without `origin`: the hosts the API answers for (the Host header must be one). */
  allowedHosts?: readonly string[]
  /** Honour `X-Forwarded-Proto`/`X-Forwarded-Host` (only behind a proxy you run). Default false. */
  trustProxy?: boolean
}

export interface ResolvedDpopOptions {
  algorithms: string[]
  required: boolean
  maxAgeMs: number
  nonce: { secret: Uint8Array | undefined; lifetimeMs: number } | undefined
  origin: string | undefined
  allowedHosts: string[] | undefined
  trustProxy: boolean
}

export function resolveDpop(dpop: DpopOptions): ResolvedDpopOptions {
  if (dpop === null || typeof dpop !== 'object')
    throw new TypeError('createValidator: `dpop` must be an object')
  const algorithms =
    dpop.algorithms === undefined ? DEFAULT_DPOP_ALGORITHMS : stringList(dpop.algorithms, 'dpop.algorithms')
  for (const alg of algorithms) {
    // RFC 9449 §4.2: the proof is signed with an asymmetric key, never a shared secret.
    if (!ASYMMETRIC_ALGORITHMS.has(alg))
      throw new TypeError(`createValidator: \`dpop.algorithms\` holds "${alg}"`)
  }
  const origin = dpop.origin === undefined ? undefined : checkUrl(dpop.origin, 'dpop.origin')
  const allowedHosts =
    dpop.allowedHosts === undefined
      ? undefined
      : stringList(dpop.allowedHosts, 'dpop.allowedHosts').map((host) => host.toLowerCase())
  if (origin === undefined && allowedHosts === undefined) {
    throw new TypeError(
      'createValidator: `dpop` needs `origin` or `allowedHosts` to know which URIs proofs may name',
    )
  }
  const nonce = dpop.nonce
  if (nonce !== undefined && (nonce === null || typeof nonce !== 'object')) {
    throw new TypeError('createValidator: `dpop.nonce` must be an object')
  }
  return {
    algorithms: [...algorithms],
    required: optionalBoolean(dpop.required, 'dpop.required') ?? false,
    maxAgeMs: seconds(dpop.maxAge, 'dpop.maxAge', DEFAULTS.dpop.maxAge, true),
    nonce:
      nonce === undefined
        ? undefined
        : {
            secret: nonce.secret === undefined ? undefined : secretBytes(nonce.secret, 'dpop.nonce.secret'),
            lifetimeMs: seconds(nonce.lifetime, 'dpop.nonce.lifetime', DEFAULTS.dpop.nonceLifetime, true),
          },
    origin,
    allowedHosts,
    trustProxy: optionalBoolean(dpop.trustProxy, 'dpop.trustProxy') ?? false,
  }
}
