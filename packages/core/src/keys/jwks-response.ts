import { calculateJwkThumbprint, createLocalJWKSet, type JWK } from 'jose'
import { parseJsonObject } from '../http.js'
import { jwkProblem } from './jwk-rules.js'
import { rememberSelections, type RememberedSelect } from './local-key-set.js'

/**
 * The response parser of the remote key set: a `jwks_uri` answer (RFC 7517 §5) becomes a snapshot
 * of usable keys, or an error saying why it is not a key set. What is fetched is data, not
 * configuration: a bad member is skipped, never a `TypeError`. When to fetch is the refresh
 * policy's business (keys/remote-key-set.ts).
 */

export interface KeySetSnapshot {
  select: RememberedSelect
  /** Sorted thumbprints (RFC 7638) with `kid` and `alg`: equal iff the usable keys are the same. */
  fingerprint: string
  keys: number
  /** The same thumbprints as a set, to count keys added and dropped by a refetch. */
  prints: ReadonlySet<string>
}

/** Turns a response into a key set, or throws why it is not one. Unusable members are skipped. */
export async function parseKeySetResponse(
  status: number,
  text: string,
  maxKeys: number,
): Promise<KeySetSnapshot> {
  if (status !== 200) throw new Error(`unexpected status ${status}`)
  const body = parseJsonObject(text)
  if (body === undefined) throw new Error('response is not a JSON object')
  const { keys } = body
  if (!Array.isArray(keys)) throw new Error('response has no "keys" array')
  if (keys.length > maxKeys) throw new Error(`response has more than ${maxKeys} keys`)
  const usable: JWK[] = []
  const prints: string[] = []
  for (const jwk of keys as unknown[]) {
    // RFC 7517 §4.2: a key meant for encryption is not one we verify with; private or malformed
    // members are skipped rather than failing the set, so one bad entry cannot take down the rest.
    if (jwkProblem(jwk) !== undefined) continue
    const key = jwk as JWK
    if (key.use !== undefined && key.use !== 'sig') continue
    try {
      prints.push(`${await calculateJwkThumbprint(key)}:${key.kid ?? ''}:${key.alg ?? ''}`)
      usable.push(key)
    } catch {
      // Missing or malformed required members (RFC 7638 §3.2) or an unsupported key type.
    }
  }
  // An empty set is a valid answer: every token then fails with unknown_key (401), not 503.
  return {
    select: rememberSelections(createLocalJWKSet({ keys: usable })),
    fingerprint: prints.sort().join(','),
    keys: usable.length,
    prints: new Set(prints),
  }
}

/** How many keys a refetch added and dropped, when the set changed (a rotation); else nothing. */
export function rotationBetween(
  before: KeySetSnapshot | undefined,
  next: KeySetSnapshot,
): { added?: number; dropped?: number } {
  if (before === undefined || before.fingerprint === next.fingerprint) return {}
  return {
    added: [...next.prints].filter((print) => !before.prints.has(print)).length,
    dropped: [...before.prints].filter((print) => !next.prints.has(print)).length,
  }
}
