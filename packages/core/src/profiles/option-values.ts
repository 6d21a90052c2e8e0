import type { ClaimPath } from './types.js'

export { stringList } from '../options/values.js'

/** Checks of single profile and issuer option values; each `TypeError` names the option path. */

export function typList(value: unknown, name: string): (string | null)[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(`createValidator: \`${name}\` must be a non-empty list of strings (null: no typ)`)
  }
  for (const item of value) {
    if (item !== null && (typeof item !== 'string' || item.length === 0)) {
      throw new TypeError(`createValidator: \`${name}\` must hold non-empty strings or null`)
    }
  }
  return value as (string | null)[]
}

export function pathList(value: unknown, name: string): ClaimPath[] {
  if (!Array.isArray(value))
    throw new TypeError(`createValidator: \`${name}\` must be a list of claim names or paths`)
  for (const path of value as unknown[]) {
    const segments = typeof path === 'string' ? [path] : path
    if (
      !Array.isArray(segments) ||
      segments.length === 0 ||
      segments.some((segment) => typeof segment !== 'string' || segment.length === 0)
    ) {
      throw new TypeError(
        `createValidator: \`${name}\` holds ${JSON.stringify(path)}: use a claim name or a list of names`,
      )
    }
  }
  return value as ClaimPath[]
}

export function claimValues(value: unknown, name: string): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`createValidator: \`${name}\` must be an object of strings`)
  }
  for (const item of Object.values(value)) {
    if (typeof item !== 'string')
      throw new TypeError(`createValidator: \`${name}\` must be an object of strings`)
  }
  return { ...(value as Record<string, string>) }
}
