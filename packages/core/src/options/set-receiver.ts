import type { Jwk as JWK } from '../jwk.js'
import { DEFAULTS } from './defaults.js'

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
  keys: { jwksUri: string } | { jwks: { keys: JWK[] } }
  algorithms: readonly string[]
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
    keys: transmitter.jwks !== undefined ? { jwks: transmitter.jwks } : { jwksUri: transmitter.jwksUri! },
    algorithms: transmitter.algorithms ?? defaults.algorithms,
    audiences,
    revocationTtlMs: positive('revocationTtl', options.revocationTtl, defaults.revocationTtl) * 1000,
    replayCacheSize: positive('replayCacheSize', options.replayCacheSize, defaults.replayCacheSize),
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes, defaults.maxBodyBytes),
    clockToleranceMs: positive('clockTolerance', options.clockTolerance, defaults.clockTolerance) * 1000,
    now: options.now ?? Date.now,
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`createSetReceiver: \`${name}\` must be a positive number`)
  }
  return value
}
