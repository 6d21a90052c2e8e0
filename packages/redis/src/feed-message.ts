import type { DenylistEntry, FeedPosition } from '@tokenguard/core'

const KINDS = new Set<DenylistEntry['kind']>(['jti', 'fingerprint', 'subject'])

/** An entry rebuilt from its four fields: anything else on the object is dropped. */
export function normalizeEntry(value: unknown): DenylistEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { kind, key, issuedBefore, expiresAt } = value as Record<string, unknown>
  if (typeof kind !== 'string' || !KINDS.has(kind as DenylistEntry['kind'])) return undefined
  if (typeof key !== 'string') return undefined
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return undefined
  if (issuedBefore !== undefined && (typeof issuedBefore !== 'number' || !Number.isFinite(issuedBefore))) {
    return undefined
  }
  const entry: DenylistEntry = { kind: kind as DenylistEntry['kind'], key, expiresAt }
  if (issuedBefore !== undefined) entry.issuedBefore = issuedBefore
  return entry
}

export function parseEntry(text: string): DenylistEntry | undefined {
  try {
    return normalizeEntry(JSON.parse(text))
  } catch {
    return undefined
  }
}

export type FeedMessage =
  | { type: 'entry'; entry: DenylistEntry; position: FeedPosition | undefined }
  | { type: 'heartbeat'; nonce: string; position: FeedPosition }

function position(value: Record<string, unknown>): FeedPosition | undefined {
  const { seq, epoch } = value
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || typeof epoch !== 'string') return undefined
  return { seq, epoch }
}

/**
 * A feed message: `{"t":"e",seq,epoch,entry}` for an add, `{"t":"h",nonce,seq,epoch}` for a
 * heartbeat, or a bare entry (an older version of this store during a rolling upgrade).
 * Anything malformed is undefined and ignored.
 */
export function parseFeedMessage(text: string): FeedMessage | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const record = value as Record<string, unknown>
  if (record.t === 'h') {
    const at = position(record)
    return typeof record.nonce === 'string' && at
      ? { type: 'heartbeat', nonce: record.nonce, position: at }
      : undefined
  }
  if (record.t === 'e') {
    const entry = normalizeEntry(record.entry)
    return entry ? { type: 'entry', entry, position: position(record) } : undefined
  }
  const entry = normalizeEntry(record)
  return entry ? { type: 'entry', entry, position: undefined } : undefined
}
