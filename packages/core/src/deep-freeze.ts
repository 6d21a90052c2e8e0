import { InvalidTokenError } from './errors.js'

/** Roots already frozen all the way down: freezing them again costs one lookup. */
const deeplyFrozen = new WeakSet<object>()

/**
 * Claims nest a few levels in practice (`resource_access.api.roles` is three). Past this bound a
 * token is refused: a frozen structure thousands of levels deep overflows the stack when a handler
 * serialises it (V8 walks frozen arrays on a slower, deeper path), and nothing legitimate needs it.
 */
export const MAX_CLAIM_DEPTH = 64

/**
 * Freezes claims (or an introspection answer) all the way down. They are shared by every request
 * that hits a cache: a handler that pushes into `claims.realm_access.roles` must not change what
 * the next request sees. Run once when a value enters a cache, never per hit. Throws 401
 * `invalid_token` (`invalid_claim`) for a value nested deeper than `MAX_CLAIM_DEPTH`.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || deeplyFrozen.has(value)) return value
  freezeAll(value, 0)
  deeplyFrozen.add(value)
  return value
}

function freezeAll(value: object, depth: number): void {
  if (depth > MAX_CLAIM_DEPTH) throw new InvalidTokenError({ reason: 'invalid_claim' })
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key]
    if (child !== null && typeof child === 'object' && !deeplyFrozen.has(child)) freezeAll(child, depth + 1)
  }
  Object.freeze(value)
}
