import type { SetReceiverOptions } from '../../src/set-receiver/index.js'
import {
  ACCOUNT_DISABLED,
  CREDENTIAL_CHANGE,
  SESSION_REVOKED,
  TRANSMITTER,
  delivery,
  signSet,
} from './helpers.js'
import { createKeys, issSub, keys, setup, IDP, NOW } from './fixture.js'

beforeAll(createKeys)

describe('createSetReceiver: events', () => {
  async function deliver(claims: Record<string, unknown>, overrides: Partial<SetReceiverOptions> = {}) {
    const { receiver, validator } = setup(overrides)
    const response = await receiver.handle(delivery(await signSet(keys.rsa, { iat: NOW, ...claims })))
    return { response, calls: validator.calls }
  }

  it('CAEP session-revoked (subject in the event) revokes the subject before event_timestamp', async () => {
    const { response, calls } = await deliver({
      events: {
        [SESSION_REVOKED]: { subject: issSub(), event_timestamp: NOW - 30, initiating_entity: 'policy' },
      },
    })
    expect(response).toEqual({ status: 202, headers: {} })
    expect(calls).toEqual([['revokeSubject', 'alice', { issuedBefore: NOW - 30, issuer: IDP }]])
  })

  it('CAEP credential-change (SSF top-level sub_id) revokes before iat, but not for a created credential', async () => {
    const changed = await deliver({
      sub_id: issSub('bob'),
      events: { [CREDENTIAL_CHANGE]: { credential_type: 'password', change_type: 'update' } },
    })
    expect(changed.calls).toEqual([['revokeSubject', 'bob', { issuedBefore: NOW, issuer: IDP }]])
    const created = await deliver({
      sub_id: issSub('bob'),
      events: { [CREDENTIAL_CHANGE]: { credential_type: 'fido2-roaming', change_type: 'create' } },
    })
    expect(created.response.status).toBe(202)
    expect(created.calls).toEqual([])
  })

  it('RISC account-disabled with an opaque subject uses the configured subject issuer, and toe', async () => {
    const { calls } = await deliver({
      toe: NOW - 5,
      events: { [ACCOUNT_DISABLED]: { subject: { format: 'opaque', id: 'u-42' }, reason: 'hijacking' } },
    })
    expect(calls).toEqual([['revokeSubject', 'u-42', { issuedBefore: NOW - 5, issuer: IDP }]])
    const unscoped = await deliver(
      { events: { [ACCOUNT_DISABLED]: { subject: { format: 'opaque', id: 'u-42' } } } },
      { subjectIssuer: undefined },
    )
    expect(unscoped.calls).toEqual([['revokeSubject', 'u-42', { issuedBefore: NOW, issuer: undefined }]])
  })

  it('a jwt_id subject revokes that one token by jti for revocationTtl', async () => {
    const { calls } = await deliver(
      { events: { [SESSION_REVOKED]: { subject: { format: 'jwt_id', iss: IDP, jti: 'token-7' } } } },
      { revocationTtl: 600 },
    )
    expect(calls).toEqual([['revoke', { jti: 'token-7', iss: IDP, exp: NOW + 600 }]])
  })

  it('aliases and complex subjects: every usable identifier, unsupported formats skipped', async () => {
    const { calls } = await deliver({
      events: {
        [SESSION_REVOKED]: {
          subject: {
            format: 'aliases',
            identifiers: [
              { format: 'email', email: 'alice@example.com' },
              issSub(),
              { format: 'opaque', id: 'a-1' },
            ],
          },
        },
        [ACCOUNT_DISABLED]: { subject: { user: issSub('carol'), device: { format: 'opaque', id: 'd-1' } } },
      },
    })
    expect(calls).toEqual([
      ['revokeSubject', 'alice', { issuedBefore: NOW, issuer: IDP }],
      ['revokeSubject', 'a-1', { issuedBefore: NOW, issuer: IDP }],
      ['revokeSubject', 'carol', { issuedBefore: NOW, issuer: IDP }],
    ])
  })

  it('acknowledges and ignores unknown event types, unsupported formats and untrusted issuers', async () => {
    const { response, calls } = await deliver({
      sub_id: { format: 'email', email: 'alice@example.com' },
      events: {
        'https://schemas.openid.net/secevent/caep/event-type/assurance-level-change': {
          current_level: 'nist-aal2',
        },
        'https://example.com/event/whatever': {},
        [SESSION_REVOKED]: {},
      },
    })
    expect(response.status).toBe(202)
    expect(calls).toEqual([])
    const foreign = await deliver({
      events: {
        [SESSION_REVOKED]: { subject: { format: 'iss_sub', iss: 'https://other-idp.test/', sub: 'x' } },
      },
    })
    expect(foreign.response.status).toBe(202)
    expect(foreign.calls).toEqual([])
  })

  it('ignores a replayed SET (same iss and jti) but still answers 202', async () => {
    const { receiver, validator } = setup()
    const token = await signSet(keys.rsa, { iat: NOW, events: { [SESSION_REVOKED]: { subject: issSub() } } })
    for (let i = 0; i < 3; i++)
      await expect(receiver.handle(delivery(token))).resolves.toMatchObject({ status: 202 })
    expect(validator.calls).toHaveLength(1)
  })

  it('remembers a bounded number of jtis', async () => {
    const { receiver, validator } = setup({ replayCacheSize: 1 })
    const first = await signSet(keys.rsa, { iat: NOW, events: { [SESSION_REVOKED]: { subject: issSub() } } })
    const second = await signSet(keys.rsa, {
      iat: NOW,
      events: { [SESSION_REVOKED]: { subject: issSub('bob') } },
    })
    for (const token of [first, second, first]) await receiver.handle(delivery(token))
    expect(validator.calls.map((call) => call[1])).toEqual(['alice', 'bob', 'alice'])
  })

  it('answers 503 when the store fails, without remembering the SET, so a retry applies it', async () => {
    const { receiver, validator } = setup()
    const token = await signSet(keys.rsa, { iat: NOW, events: { [SESSION_REVOKED]: { subject: issSub() } } })
    validator.failWith(new Error('store down'))
    await expect(receiver.handle(delivery(token))).resolves.toEqual({
      status: 503,
      headers: { 'retry-after': '5' },
    })
    validator.failWith(undefined)
    await expect(receiver.handle(delivery(token))).resolves.toMatchObject({ status: 202 })
    expect(validator.calls).toHaveLength(1)
  })

  it('answers 503 when the transmitter key set cannot be fetched', async () => {
    const { receiver } = setup({ transmitter: { issuer: TRANSMITTER, jwksUri: 'http://127.0.0.1:9/jwks' } })
    const response = await receiver.handle(delivery(await signSet(keys.rsa, { iat: NOW })))
    expect(response.status).toBe(503)
    receiver.close()
  })
})
