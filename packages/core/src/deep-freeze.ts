/** Roots already frozen all the way down: freezing them again costs one lookup. */
const deeplyFrozen = new WeakSet<object>()

/**
 * Freezes a JSON-like value all the way down. Claims and introspection answers are shared by every
 * request that hits a cache: a handler that pushes into `claims.realm_access.roles` must not change
 * what the next request sees. Run once when a value enters a cache, never per hit.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || deeplyFrozen.has(value)) return value
  freezeAll(value, 0)
  deeplyFrozen.add(value)
  return value
}

// JSON.parse already refused anything deeper than this could ever hold (extract.ts caps the token).
const MAX_DEPTH = 10_000

function freezeAll(value: object, depth: number): void {
  if (depth > MAX_DEPTH) throw new RangeError('deepFreeze: value nested too deeply')
  Object.freeze(value)
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key]
    if (child !== null && typeof child === 'object' && !deeplyFrozen.has(child)) freezeAll(child, depth + 1)
  }
}
