import { SignJWT, type JWTPayload } from 'jose'
import type { SigningKey } from '../helpers/tokens.js'

export const TRANSMITTER = 'https://transmitter.test/'
export const RECEIVER = 'https://api.test/events'
export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked'
export const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change'
export const ACCOUNT_DISABLED = 'https://schemas.openid.net/secevent/risc/event-type/account-disabled'

let counter = 0

/** A SET signed as a transmitter would; `claims` and `header` override the defaults (undefined removes). */
export async function signSet(
  key: SigningKey,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const payload: Record<string, unknown> = {
    iss: TRANSMITTER,
    aud: RECEIVER,
    iat: Math.floor(Date.now() / 1000),
    jti: `set-${++counter}-${Math.random().toString(36).slice(2)}`,
    events: {},
    ...claims,
  }
  for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name]
  const protectedHeader: Record<string, unknown> = {
    alg: key.alg,
    kid: key.kid,
    typ: 'secevent+jwt',
    ...header,
  }
  for (const name of Object.keys(protectedHeader))
    if (protectedHeader[name] === undefined) delete protectedHeader[name]
  return new SignJWT(payload as JWTPayload).setProtectedHeader(protectedHeader as never).sign(key.privateKey)
}

/** A push delivery request (RFC 8935 §2.1). */
export function delivery(body: string | undefined, contentType = 'application/secevent+jwt') {
  return { method: 'POST', headers: { 'content-type': contentType, accept: 'application/json' }, body }
}
