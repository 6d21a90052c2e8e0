/** The value checks every options module shares: a bad value is a `TypeError` naming its option. */

export const ASYMMETRIC_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
])
export const SYMMETRIC_ALGORITHMS = new Set(['HS256', 'HS384', 'HS512'])

export function stringList(value: unknown, name: string, allowEmpty = false): string[] {
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || (!allowEmpty && list.length === 0)) {
    throw new TypeError(`createValidator: \`${name}\` must be a non-empty string or list of strings`)
  }
  for (const item of list) {
    if (typeof item !== 'string' || item.length === 0) {
      throw new TypeError(`createValidator: \`${name}\` must hold non-empty strings only`)
    }
  }
  return [...(list as string[])]
}

export function requiredString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`createValidator: \`${name}\` must be a non-empty string`)
  }
  return value
}

export function optionalString(value: unknown, name: string): string | undefined {
  return value === undefined ? undefined : requiredString(value, name)
}

export function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean')
    throw new TypeError(`createValidator: \`${name}\` must be a boolean`)
  return value
}

export function optionalFunction(value: unknown, name: string): unknown {
  if (value !== undefined && typeof value !== 'function')
    throw new TypeError(`createValidator: \`${name}\` must be a function`)
  return value
}

/** A finite number ≥ 0 (> 0 with `strictlyPositive`), or the default when undefined. */
export function positiveNumber(
  value: unknown,
  name: string,
  fallback: number,
  strictlyPositive = false,
): number {
  if (value === undefined) return fallback
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (strictlyPositive && value === 0)
  ) {
    throw new TypeError(
      `createValidator: \`${name}\` must be a ${strictlyPositive ? 'positive' : 'non-negative'} number`,
    )
  }
  return value
}

/** A count or a size in bytes: a whole `positiveNumber` (a fraction of an entry or a byte means a typo). */
export function wholeNumber(
  value: unknown,
  name: string,
  fallback: number,
  strictlyPositive = false,
): number {
  const number = positiveNumber(value, name, fallback, strictlyPositive)
  if (!Number.isInteger(number)) {
    throw new TypeError(
      `createValidator: \`${name}\` must be a ${strictlyPositive ? 'positive' : 'non-negative'} whole number`,
    )
  }
  return number
}

/** RFC 7518 §3.2: an HMAC key at least as long as the hash output; the longest listed hash decides. */
export function hmacKeyLength(algorithms: readonly string[]): number {
  return Math.max(32, ...algorithms.map((alg) => Number(alg.slice(2)) / 8))
}

export function secretBytes(secret: string | Uint8Array, name: string, minimum = 32): Uint8Array {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`createValidator: \`${name}\` must be a string or Uint8Array`)
  if (bytes.length < minimum) {
    throw new TypeError(`createValidator: \`${name}\` must be at least ${minimum} bytes`)
  }
  return bytes
}

/** A duration given in seconds (the public unit), resolved to milliseconds. */
export function seconds(
  value: unknown,
  name: string,
  fallbackSeconds: number,
  strictlyPositive = false,
): number {
  return positiveNumber(value, name, fallbackSeconds, strictlyPositive) * 1000
}
