import type { RejectReason } from './errors.js'

/**
 * What the validator reports as it works. Events never carry the token or its claims; they are
 * enough to build metrics and traces (`onEvent` option) without forking.
 */
export type TokenEvent =
  | {
      type: 'accepted'
      strategy: 'jwt' | 'opaque'
      issuer: string | undefined
      route: string | undefined
      cached: boolean
      durationMs: number
    }
  | {
      type: 'rejected'
      reason: RejectReason
      status: number
      strategy: string | undefined
      route: string | undefined
      durationMs: number
    }
  | {
      type: 'keys_fetch'
      url: string
      outcome: 'ok' | 'error'
      durationMs: number
      keys?: number
      added?: number // on a rotation only: keys new since the previous good fetch, and keys gone
      dropped?: number
      staleServed?: boolean
      error?: string
    }
  | { type: 'metadata_fetch'; url: string; outcome: 'ok' | 'error'; durationMs: number; error?: string }
  | {
      type: 'introspection'
      outcome: 'active' | 'inactive' | 'error'
      durationMs: number
      coalesced: boolean
      error?: string
    }
  | { type: 'cache_hit' | 'cache_miss'; cache: 'verified_jwt' | 'introspection' | 'shared' }
  | { type: 'denylist_hit'; by: 'jti' | 'fingerprint' | 'subject' }
  | { type: 'store_degraded' | 'store_recovered'; error?: string }
  /** The mirror reloaded the whole list: after a reconnect, a lost feed message, or a repair. */
  | {
      type: 'denylist_resynced'
      reason: 'reconnect' | 'gap' | 'epoch'
      entries: number
      durationMs: number
    }
  /** The store had lost its data; this mirror wrote its live entries back. */
  | { type: 'denylist_repaired'; entries: number; durationMs: number }
  /** Expired entries freed from the mirror. */
  | { type: 'denylist_swept'; entries: number }

export type EventListener = (event: TokenEvent) => void

const SILENT: EventListener = () => {}

/** True for the listener of a validator without `onEvent`: hot paths then build no event at all. */
export function isSilent(listener: EventListener): boolean {
  return listener === SILENT
}

/** Wraps the user's listener so a throwing listener can never break validation. */
export function safeListener(listener: EventListener | undefined): EventListener {
  if (listener === undefined) return SILENT
  return (event) => {
    try {
      listener(event)
    } catch {
      // A metrics bug must not turn into a rejected request.
    }
  }
}
