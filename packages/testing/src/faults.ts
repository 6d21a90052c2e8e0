/** Scripted faults: an endpoint answers a chosen status, body or delay instead of its normal answer. */

/** The endpoints of the test issuer, as named by `setFault()` and `stats`. */
export type TestEndpoint = 'metadata' | 'jwks' | 'introspection' | 'revocation'

export const TEST_ENDPOINTS: readonly TestEndpoint[] = ['metadata', 'jwks', 'introspection', 'revocation']

/** How an endpoint misbehaves (`issuer.setFault(endpoint, fault)`). */
export interface EndpointFault {
  /** Answer this status instead of the normal answer. Without it the normal answer is sent (after `delayMs`). */
  status?: number
  /** Body of that answer: a string as is (`text/plain`), anything else as JSON. Default: empty. */
  body?: unknown
  /** Extra or overriding headers of that answer (`{ 'retry-after': '5' }`, `{ 'content-type': 'text/html' }`). */
  headers?: Record<string, string>
  /** Wait this many milliseconds before answering (normally or not): a slow authorization server. */
  delayMs?: number
  /** Misbehave for this many requests, then answer normally again. Default: until cleared. */
  times?: number
}

export interface FaultTable {
  set(endpoint: TestEndpoint, fault: EndpointFault | undefined): void
  clear(): void
  /** The fault for this request, counting one use of it. */
  take(endpoint: TestEndpoint): EndpointFault | undefined
}

export function createFaultTable(): FaultTable {
  const faults = new Map<TestEndpoint, { fault: EndpointFault; left: number }>()
  return {
    set(endpoint, fault) {
      if (!TEST_ENDPOINTS.includes(endpoint))
        throw new TypeError(
          `setFault: unknown endpoint "${String(endpoint)}" (use ${TEST_ENDPOINTS.join(', ')})`,
        )
      if (fault === undefined) return void faults.delete(endpoint)
      checkFault(fault)
      faults.set(endpoint, { fault: { ...fault }, left: fault.times ?? Infinity })
    },
    clear: () => faults.clear(),
    take(endpoint) {
      const entry = faults.get(endpoint)
      if (entry === undefined) return undefined
      if (--entry.left <= 0) faults.delete(endpoint)
      return entry.fault
    },
  }
}

function checkFault(fault: EndpointFault): void {
  if (fault === null || typeof fault !== 'object')
    throw new TypeError('setFault: the fault must be an object')
  const { status, delayMs, times } = fault
  if (status !== undefined && !(Number.isInteger(status) && status >= 200 && status <= 599))
    throw new TypeError('setFault: `status` must be an HTTP status from 200 to 599')
  if (delayMs !== undefined && !(Number.isFinite(delayMs) && delayMs >= 0))
    throw new TypeError('setFault: `delayMs` must be a number of milliseconds, zero or more')
  if (times !== undefined && !(Number.isInteger(times) && times > 0))
    throw new TypeError('setFault: `times` must be a positive integer')
}
