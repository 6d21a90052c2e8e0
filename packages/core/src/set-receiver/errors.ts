/**
 * The error codes of RFC 8935 §2.4 (IANA "Security Event Token Error Codes") a receiver answers
 * with, and their generic descriptions: nothing about which check failed beyond the code.
 */
export type SetErrorCode =
  'invalid_request' | 'invalid_key' | 'invalid_issuer' | 'invalid_audience' | 'authentication_failed'

const DESCRIPTIONS: Record<SetErrorCode, string> = {
  invalid_request: 'The request body is not a valid Security Event Token',
  invalid_key: 'The key or algorithm that signed the SET is not acceptable',
  invalid_issuer: 'The SET issuer is not accepted by this receiver',
  invalid_audience: 'The SET audience does not match this receiver',
  authentication_failed: 'The SET signature could not be verified',
}

/** A SET refused (400, RFC 8935 §2.3): the transmitter should not retry it as it is. */
export class SetError extends Error {
  readonly description: string
  constructor(
    readonly err: SetErrorCode,
    cause?: unknown,
  ) {
    super(DESCRIPTIONS[err], cause === undefined ? undefined : { cause })
    this.name = 'SetError'
    this.description = DESCRIPTIONS[err]
  }
}

/** The SET could not be checked or applied right now (key set or store down): 503, retry later. */
export class SetUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The SET cannot be processed right now', { cause })
    this.name = 'SetUnavailableError'
  }
}
