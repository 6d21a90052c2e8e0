// The published test kit's loopback issuer, from source: the one authorization server fixture.
// The attack suites use its introspection endpoint; their JWTs are forged by ./forge.
import type { TestIssuer } from '../../../packages/testing/src/index'

export { createTestIssuer, type TestIssuer } from '../../../packages/testing/src/index'

/** A validator's `introspection` options for this issuer (its first client), or with another secret. */
export function introspectionOf(issuer: TestIssuer, clientSecret?: string) {
  const client = issuer.validatorOptions().introspection
  return {
    endpoint: issuer.introspectionEndpoint,
    ...client,
    ...(clientSecret === undefined ? {} : { clientSecret }),
  }
}

// The claims the kit adds by default: removed, so that an answer carries exactly the members given.
const NO_DEFAULTS = {
  iss: undefined,
  sub: undefined,
  aud: undefined,
  client_id: undefined,
  iat: undefined,
  exp: undefined,
  jti: undefined,
}

/** A new opaque token that introspects to `{ active: true, token_type: 'Bearer', ...members }`. */
export function opaqueAnswering(issuer: TestIssuer, members: Record<string, unknown>): string {
  return issuer.opaque({ claims: { ...NO_DEFAULTS, ...members } })
}
