import { isUtf8 } from 'node:buffer'
import { InvalidTokenError } from '../errors.js'

/**
 * Shape checks on JWS compact serialisation (RFC 7515 §7.1), done before any key is looked up.
 * Base64url must be canonical (RFC 7515 §2 with no padding, no whitespace, zero trailing bits):
 * otherwise one signature could travel under several token strings, each a fresh cache and
 * denylist key.
 */

const BASE64URL = /^[A-Za-z0-9_-]+$/
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

export type TokenShape = 'jws' | 'jwe' | 'opaque'

/** A JWS split and its protected header decoded; payload and signature are decoded by `decodeJws`. */
export interface CompactJws {
  readonly header: Record<string, unknown>
  readonly headerPart: string
  readonly payloadPart: string
  readonly signaturePart: string
}

/** A token's shape, and for a JWS its split form: the one place a request's header is parsed. */
export type InspectedToken = { shape: 'jws'; jws: CompactJws } | { shape: 'jwe' | 'opaque'; jws?: undefined }

const JWE: InspectedToken = { shape: 'jwe' }
const OPAQUE: InspectedToken = { shape: 'opaque' }

/**
 * Tells a JWS from a JWE from an opaque token by shape alone: a JWS has three segments and a
 * protected header that is a JSON object with a string `alg` (RFC 7515 §7.1, §4.1.1).
 */
export function inspectToken(token: string): InspectedToken {
  const first = token.indexOf('.')
  if (first === -1) return OPAQUE
  const second = token.indexOf('.', first + 1)
  if (second === -1) return OPAQUE
  const third = token.indexOf('.', second + 1)
  if (third !== -1) {
    const fourth = token.indexOf('.', third + 1)
    return fourth !== -1 && token.indexOf('.', fourth + 1) === -1 ? JWE : OPAQUE
  }
  const headerPart = token.slice(0, first)
  const header = decodeSegment(headerPart)
  if (header === undefined || typeof header.alg !== 'string') return OPAQUE
  return {
    shape: 'jws',
    jws: {
      header,
      headerPart,
      payloadPart: token.slice(first + 1, second),
      signaturePart: token.slice(second + 1),
    },
  }
}

export function classifyToken(token: string): TokenShape {
  return inspectToken(token).shape
}

export interface DecodedJws {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  /** `header.payload` as sent: the bytes the signature covers (RFC 7515 §5.2). */
  signingInput: string
  signature: Buffer
}

/**
 * Decodes header and payload of a JWS without verifying it; throws `invalid_token` on any defect.
 * Given the split form from `inspectToken`, the header is not parsed again.
 */
export function decodeJws(input: string | CompactJws): DecodedJws {
  const jws = typeof input === 'string' ? split(input) : input
  const { headerPart, payloadPart, signaturePart } = jws
  if (!isCanonicalBase64url(signaturePart)) throw malformed()
  const payload = decodeSegment(payloadPart)
  if (payload === undefined) throw malformed()
  return {
    header: jws.header,
    payload,
    signingInput: `${headerPart}.${payloadPart}`,
    signature: Buffer.from(signaturePart, 'base64url'),
  }
}

function split(token: string): CompactJws {
  const parts = token.split('.')
  if (parts.length === 5) throw new InvalidTokenError({ reason: 'encrypted_token' })
  if (parts.length !== 3) throw malformed()
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string]
  const header = decodeSegment(headerPart)
  if (header === undefined) throw malformed()
  return { header, headerPart, payloadPart, signaturePart }
}

/** Canonical unpadded base64url: alphabet only, a possible length, unused trailing bits zero. */
export function isCanonicalBase64url(segment: string): boolean {
  if (!BASE64URL.test(segment)) return false
  const remainder = segment.length % 4
  if (remainder === 1) return false
  if (remainder === 0) return true
  const last = ALPHABET.indexOf(segment[segment.length - 1]!)
  // 2 leftover chars carry 12 bits of which 8 are used; 3 carry 18 of which 16 are used.
  return remainder === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  if (!isCanonicalBase64url(segment)) return undefined
  const text = decodeUtf8(Buffer.from(segment, 'base64url'))
  if (text === undefined) return undefined
  try {
    // A lone surrogate can only come from a `\uD800`-style escape: revive (slowly) only then.
    const value: unknown = LONE_SURROGATE_ESCAPE.test(text)
      ? JSON.parse(text, refuseIllFormed)
      : JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * The one UTF-8 decoder of every JWS this library reads (RFC 7515 §2, RFC 8259 §8.1): bytes that
 * are not UTF-8 (overlong forms, encoded surrogates, stray continuation bytes, truncations) are
 * refused rather than replaced by U+FFFD, which would let two byte strings, and so two
 * signatures, read as the same claims. A byte-order mark is kept, so JSON.parse refuses it.
 */
export function decodeUtf8(bytes: Buffer): string | undefined {
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined
}

// Any `\uD800`–`\uDFFF` escape: the cheap test that decides whether the reviver must run.
const LONE_SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/
// With the `u` flag a well-formed pair is one code point: only a lone surrogate matches.
const LONE_SURROGATE = /\p{Cs}/u

/** JSON.parse reviver: a member name or string that is not well-formed Unicode refuses the whole. */
function refuseIllFormed(key: string, value: unknown): unknown {
  if (LONE_SURROGATE.test(key) || (typeof value === 'string' && LONE_SURROGATE.test(value)))
    throw new SyntaxError('ill-formed string')
  return value
}

function malformed(): InvalidTokenError {
  return new InvalidTokenError({ reason: 'malformed_token' })
}
