import { SetError } from './errors.js'
import type { SetClaims } from './verify.js'

/**
 * Which events revoke what, and whom they are about. Subjects are RFC 9493 Subject Identifiers:
 * `iss_sub` and `opaque` name a subject (every token of it issued before the event is refused);
 * `jwt_id` (OpenID Shared Signals Framework 1.0, registered with IANA) names one token by `iss`
 * and `jti`; `aliases` lists several. A CAEP complex subject counts through its `user` member.
 */

const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/'
const RISC = 'https://schemas.openid.net/secevent/risc/event-type/'

/** Event types that revoke the subject's tokens (or, for a `jwt_id` subject, that one token). */
export const REVOKING_EVENTS: ReadonlySet<string> = new Set([
  `${CAEP}session-revoked`,
  `${CAEP}credential-change`,
  `${RISC}account-disabled`,
  `${RISC}account-purged`,
  `${RISC}credential-compromise`,
  `${RISC}sessions-revoked`,
])

export type RevocationAction =
  | { kind: 'subject'; sub: string; issuer: string | undefined; issuedBefore: number }
  | { kind: 'token'; jti: string; iss: string }

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
const isText = (value: unknown): value is string => typeof value === 'string' && value !== ''

/** What a verified SET asks for; unknown event types and unsupported subject formats ask nothing. */
export function revocationActions(claims: SetClaims, subjectIssuer: string | undefined): RevocationAction[] {
  const actions: RevocationAction[] = []
  for (const [type, event] of Object.entries(claims.events)) {
    if (!REVOKING_EVENTS.has(type)) continue
    // CAEP credential-change: a credential created is no reason to distrust the tokens already issued.
    if (type === `${CAEP}credential-change` && event.change_type === 'create') continue
    const timestamp = event.event_timestamp
    if (timestamp !== undefined && (typeof timestamp !== 'number' || !Number.isFinite(timestamp))) {
      throw new SetError('invalid_request')
    }
    // CAEP drafts put the subject in the event; SSF 1.0 in the top-level `sub_id` claim.
    const subject = event.subject ?? claims.sub_id
    if (subject === undefined) throw new SetError('invalid_request')
    const issuedBefore = timestamp ?? claims.toe ?? claims.iat
    actions.push(...subjectActions(subject, issuedBefore, subjectIssuer, true))
  }
  return actions
}

function subjectActions(
  subject: unknown,
  issuedBefore: number,
  subjectIssuer: string | undefined,
  aliasesAllowed: boolean,
): RevocationAction[] {
  if (!isObject(subject)) throw new SetError('invalid_request')
  if (subject.format === undefined) {
    // An SSF complex subject (user, session, device, tenant, …): only its user has tokens here.
    if (isObject(subject.user))
      return subjectActions(subject.user, issuedBefore, subjectIssuer, aliasesAllowed)
    if (Object.keys(subject).length > 0 && Object.values(subject).every(isObject)) return []
    throw new SetError('invalid_request')
  }
  switch (subject.format) {
    case 'iss_sub':
      if (!isText(subject.iss) || !isText(subject.sub)) throw new SetError('invalid_request')
      return [{ kind: 'subject', sub: subject.sub, issuer: subject.iss, issuedBefore }]
    case 'opaque':
      if (!isText(subject.id)) throw new SetError('invalid_request')
      return [{ kind: 'subject', sub: subject.id, issuer: subjectIssuer, issuedBefore }]
    case 'jwt_id':
      if (!isText(subject.iss) || !isText(subject.jti)) throw new SetError('invalid_request')
      return [{ kind: 'token', jti: subject.jti, iss: subject.iss }]
    case 'aliases':
      // RFC 9493 §3.2.7: an alias list holds no alias list.
      if (!aliasesAllowed || !Array.isArray(subject.identifiers)) throw new SetError('invalid_request')
      return subject.identifiers.flatMap((identifier) =>
        subjectActions(identifier, issuedBefore, subjectIssuer, false),
      )
    default:
      if (typeof subject.format !== 'string') throw new SetError('invalid_request')
      return [] // email, phone_number, account, did, uri, …: no token claim to match them against
  }
}
