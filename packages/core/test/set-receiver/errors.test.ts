import { createSetReceiver, type SetReceiverOptions } from '../../src/set-receiver/index.js'
import { RECEIVER, SESSION_REVOKED, TRANSMITTER, delivery, signSet } from './helpers.js'
import { createKeys, fakeValidator, issSub, keys, setup, IDP, NOW } from './fixture.js'

beforeAll(createKeys)

describe('createSetReceiver: HTTP', () => {
  it('answers 405 to anything but POST, and 415 to another content type', async () => {
    const { receiver } = setup()
    const token = await signSet(keys.rsa, { iat: NOW })
    await expect(receiver.handle({ ...delivery(token), method: 'GET' })).resolves.toEqual({
      status: 405,
      headers: { allow: 'POST' },
    })
    for (const type of ['application/json', 'application/jwt', 'text/plain']) {
      await expect(receiver.handle(delivery(token, type))).resolves.toMatchObject({ status: 415 })
    }
    await expect(receiver.handle({ method: 'POST', headers: {}, body: token })).resolves.toMatchObject({
      status: 415,
    })
    await expect(
      receiver.handle(delivery(token, 'Application/SecEvent+JWT; charset=utf-8')),
    ).resolves.toMatchObject({
      status: 202,
    })
  })

  it('answers 413 to an oversized body, and takes a Buffer body', async () => {
    const { receiver } = setup({ maxBodyBytes: 1024 })
    await expect(receiver.handle(delivery('x'.repeat(2048)))).resolves.toMatchObject({ status: 413 })
    const token = await signSet(keys.ec, { iat: NOW })
    await expect(receiver.handle(delivery(Buffer.from(`${token}\r\n`) as never))).resolves.toMatchObject({
      status: 202,
    })
  })
})

describe('createSetReceiver: errors (RFC 8935 §2.3)', () => {
  async function expectError(
    token: string | undefined,
    err: string,
    overrides: Partial<SetReceiverOptions> = {},
  ) {
    const { receiver, validator } = setup(overrides)
    const response = await receiver.handle(delivery(token))
    expect(response.status).toBe(400)
    expect(response.headers).toEqual({ 'content-type': 'application/json' })
    expect(response.body).toEqual({ err, description: expect.any(String) })
    expect(response.body!.description).not.toMatch(/alice|tx-rsa|transmitter\.test/)
    expect(validator.calls).toEqual([])
  }

  it('invalid_request: not a SET', async () => {
    await expectError(undefined, 'invalid_request')
    await expectError('', 'invalid_request')
    await expectError('not a jwt', 'invalid_request')
    await expectError('a.b.c.d.e', 'invalid_request')
    await expectError(await signSet(keys.rsa, { iat: NOW }, { typ: 'JWT' }), 'invalid_request')
    await expectError(await signSet(keys.rsa, { iat: NOW }, { typ: 'at+jwt' }), 'invalid_request')
    await expectError(await signSet(keys.rsa, { iat: NOW }, { typ: undefined }), 'invalid_request')
  })

  it('invalid_request: a required claim missing or malformed', async () => {
    await expectError(await signSet(keys.rsa, { iat: undefined }), 'invalid_request')
    await expectError(await signSet(keys.rsa, { iat: NOW + 3600 }), 'invalid_request')
    await expectError(await signSet(keys.rsa, { iat: NOW, jti: undefined }), 'invalid_request')
    await expectError(await signSet(keys.rsa, { iat: NOW, jti: '' }), 'invalid_request')
    await expectError(await signSet(keys.rsa, { iat: NOW, events: undefined }), 'invalid_request')
    await expectError(await signSet(keys.rsa, { iat: NOW, events: ['x'] }), 'invalid_request')
    await expectError(
      await signSet(keys.rsa, { iat: NOW, events: { [SESSION_REVOKED]: 'yes' } }),
      'invalid_request',
    )
  })

  it('invalid_request: a revoking event whose subject does not conform', async () => {
    const event = (payload: Record<string, unknown>) =>
      signSet(keys.rsa, { iat: NOW, events: { [SESSION_REVOKED]: payload } })
    await expectError(await event({}), 'invalid_request')
    await expectError(await event({ subject: { format: 'iss_sub', iss: IDP } }), 'invalid_request')
    await expectError(await event({ subject: { format: 'opaque' } }), 'invalid_request')
    await expectError(await event({ subject: { format: 'jwt_id', iss: IDP } }), 'invalid_request')
    await expectError(await event({ subject: 'alice' }), 'invalid_request')
    await expectError(await event({ subject: issSub(), event_timestamp: 'yesterday' }), 'invalid_request')
    const nested = { format: 'aliases', identifiers: [{ format: 'aliases', identifiers: [issSub()] }] }
    await expectError(await event({ subject: nested }), 'invalid_request')
  })

  it('invalid_issuer: another issuer, even with a valid signature', async () => {
    await expectError(await signSet(keys.rsa, { iat: NOW, iss: 'https://other.test/' }), 'invalid_issuer')
  })

  it('invalid_key: an unknown key or an algorithm not allowed', async () => {
    await expectError(await signSet(keys.rsa, { iat: NOW }, { kid: 'unknown' }), 'invalid_key')
    await expectError(await signSet(keys.pss, { iat: NOW }), 'invalid_key') // PS256 is not in the default list
  })

  it('authentication_failed: a signature that does not verify', async () => {
    await expectError(await signSet(keys.stranger, { iat: NOW }), 'authentication_failed')
    const good = await signSet(keys.rsa, { iat: NOW })
    const [header, , signature] = good.split('.')
    const forged = Buffer.from(
      JSON.stringify({ iss: TRANSMITTER, aud: RECEIVER, iat: NOW, jti: 'x', events: {} }),
    ).toString('base64url')
    await expectError(`${header}.${forged}.${signature}`, 'authentication_failed')
  })

  it('invalid_audience: aud missing or for someone else', async () => {
    await expectError(await signSet(keys.rsa, { iat: NOW, aud: 'https://other.test' }), 'invalid_audience')
    await expectError(await signSet(keys.rsa, { iat: NOW, aud: undefined }), 'invalid_audience')
    const { receiver } = setup({ audience: ['https://a.test', RECEIVER] })
    const listed = await signSet(keys.rsa, { iat: NOW, aud: ['https://x.test', RECEIVER] })
    await expect(receiver.handle(delivery(listed))).resolves.toMatchObject({ status: 202 })
  })

  it('refuses bad configuration', () => {
    const validator = fakeValidator()
    const jwks = { keys: [keys.rsa.publicJwk] }
    expect(() =>
      createSetReceiver({ validator, transmitter: { issuer: '', jwks }, audience: RECEIVER }),
    ).toThrow(TypeError)
    expect(() =>
      createSetReceiver({ validator, transmitter: { issuer: TRANSMITTER }, audience: RECEIVER }),
    ).toThrow(TypeError)
    expect(() =>
      createSetReceiver({
        validator,
        transmitter: { issuer: TRANSMITTER, jwks, jwksUri: 'https://t.test/jwks' },
        audience: RECEIVER,
      }),
    ).toThrow(TypeError)
    expect(() =>
      createSetReceiver({ validator, transmitter: { issuer: TRANSMITTER, jwks }, audience: [] }),
    ).toThrow(TypeError)
    expect(() =>
      createSetReceiver({
        validator,
        transmitter: { issuer: TRANSMITTER, jwks, algorithms: ['HS256'] },
        audience: RECEIVER,
      }),
    ).toThrow(TypeError)
  })
})
