import type { Jwk as JWK } from '../jwk.js'
import { DEFAULTS } from './defaults.js'
import { checkJwkSet, type CheckedJwkSet } from './jwks.js'
import { resolveKeySet, type ResolvedKeySetOptions } from './jwt.js'
import { ASYMMETRIC_ALGORITHMS } from './values.js'

/** The SET receiver's options as given to `createSetReceiver` (its public interface lives in set-receiver/receiver.ts). */
interface SetReceiverInput {
  transmitter: { issuer: string; jwksUri?: string; jwks?: { keys: JWK[] }; algorithms?: readonly string[] }
  audience: string | readonly string[]
  revocationTtl?: number
  replayCacheSize?: number
  maxBodyBytes?: number
  clockTolerance?: number
  now?: () => number
}

export interface ResolvedSetReceiverOptions {
  issuer: string
  keys: { jwksUri: string } | { jwks: CheckedJwkSet }
  algorithms: readonly string[]
  /** The transmitter's remote key set runs on the validator's `jwt.keySet` defaults. */
  keySet: ResolvedKeySetOptions
  audiences: ReadonlySet<string>
  revocationTtlMs: number
  replayCacheSize: number
  maxBodyBytes: number
  clockToleranceMs: number
  now: () => number
}

/** Checks and defaults `createSetReceiver`'s options once; a bad one is a `TypeError` naming it. */
export function resolveSetReceiverOptions(options: SetReceiverInput): ResolvedSetReceiverOptions {
  const { transmitter } = options
  if (
    transmitter === null ||
    typeof transmitter !== 'object' ||
    typeof transmitter.issuer !== 'string' ||
    transmitter.issuer === ''
  ) {
    throw new TypeError('createSetReceiver: `transmitter.issuer` is required')
  }
  if ((transmitter.jwksUri === undefined) === (transmitter.jwks === undefined)) {
    throw new TypeError('createSetReceiver: give exactly one of `transmitter.jwksUri` and `transmitter.jwks`')
  }
  const audiences = new Set(
    typeof options.audience === 'string' ? [options.audience] : (options.audience ?? []),
  )
  if (audiences.size === 0 || ![...audiences].every((a) => typeof a === 'string' && a !== '')) {
    throw new TypeError('createSetReceiver: `audience` must be a non-empty string or list of strings')
  }
  const defaults = DEFAULTS.setReceiver
  return {
    issuer: transmitter.issuer,
    keys:
      transmitter.jwks !== undefined
        ? { jwks: checkJwkSet(transmitter.jwks, 'transmitter.jwks', 'createSetReceiver') }
        : { jwksUri: checkJwksUri(transmitter.jwksUri) },
    algorithms: checkAlgorithms(transmitter.algorithms) ?? defaults.algorithms,
    keySet: resolveKeySet(undefined),
    audiences,
    revocationTtlMs: positive('revocationTtl', options.revocationTtl, defaults.revocationTtl) * 1000,
    replayCacheSize: positive('replayCacheSize', options.replayCacheSize, defaults.replayCacheSize),
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes, defaults.maxBodyBytes),
    clockToleranceMs: positive('clockTolerance', options.clockTolerance, defaults.clockTolerance) * 1000,
    now: options.now ?? Date.now,
  }
}

function checkJwksUri(value: unknown): string {
  const protocol = typeof value === 'string' && URL.canParse(value) ? new URL(value).protocol : ''
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new TypeError('createSetReceiver: `transmitter.jwksUri` must be an http(s) URL')
  }
  return value as string
}

/** RFC 8725 §3.1-3.2: SETs are verified with the transmitter's public keys, so only asymmetric algorithms. */
function checkAlgorithms(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((alg) => typeof alg === 'string' && ASYMMETRIC_ALGORITHMS.has(alg))
  ) {
    throw new TypeError(
      'createSetReceiver: `transmitter.algorithms` must be a non-empty list of asymmetric JWS algorithms',
    )
  }
  return [...(value as string[])]
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`createSetReceiver: \`${name}\` must be a positive number`)
  }
  return value
}
