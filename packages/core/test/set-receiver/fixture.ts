import type { RevokeSubjectOptions, RevokeTarget } from '../../src/denylist/revocation.js'
import { createSetReceiver, type SetReceiverOptions } from '../../src/set-receiver/index.js'
import { signingKey, type SigningKey } from '../helpers/tokens.js'
import { RECEIVER, TRANSMITTER } from './helpers.js'

export const IDP = 'https://issuer.test/'
export const NOW = 1_700_000_000

/** The transmitter's keys (RS256 and ES256), a forger's key under the same kid, and a PS256 key. */
export const keys = {} as { rsa: SigningKey; ec: SigningKey; stranger: SigningKey; pss: SigningKey }

export async function createKeys(): Promise<void> {
  ;[keys.rsa, keys.ec, keys.stranger, keys.pss] = await Promise.all([
    signingKey('RS256', 'tx-rsa'),
    signingKey('ES256', 'tx-ec'),
    signingKey('RS256', 'tx-rsa'), // same kid, other key: a forgery
    signingKey('PS256', 'tx-pss'),
  ])
}

/** A validator that records what it is asked, trusting only IDP (like the real one, TypeError otherwise). */
export function fakeValidator() {
  const calls: Array<['revoke', RevokeTarget] | ['revokeSubject', string, RevokeSubjectOptions | undefined]> =
    []
  let failure: Error | undefined
  return {
    calls,
    failWith(error: Error | undefined) {
      failure = error
    },
    async revoke(target: RevokeTarget) {
      if (failure) throw failure
      if (typeof target !== 'string' && (target as { iss?: unknown }).iss !== IDP)
        throw new TypeError('revoke: `iss` is not a trusted issuer')
      calls.push(['revoke', target])
    },
    async revokeSubject(subject: string, options?: RevokeSubjectOptions) {
      if (failure) throw failure
      if (options?.issuer !== undefined && options.issuer !== IDP) throw new TypeError('not a trusted issuer')
      calls.push(['revokeSubject', subject, options])
    },
  }
}

export function setup(overrides: Partial<SetReceiverOptions> = {}) {
  const validator = fakeValidator()
  const receiver = createSetReceiver({
    validator,
    transmitter: {
      issuer: TRANSMITTER,
      jwks: { keys: [keys.rsa.publicJwk, keys.ec.publicJwk, keys.pss.publicJwk] },
    },
    audience: RECEIVER,
    subjectIssuer: IDP,
    now: () => NOW * 1000,
    ...overrides,
  })
  return { validator, receiver }
}

export const issSub = (sub = 'alice') => ({ format: 'iss_sub', iss: IDP, sub })
