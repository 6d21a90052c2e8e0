/**
 * @tokenguard/testing: a loopback OAuth 2.0 issuer for your own tests.
 *
 * FOR TESTS ONLY, NEVER PRODUCTION: keys are kept in memory and tokens are minted with no
 * authentication of whoever asks for them.
 */
export {
  createTestIssuer,
  SIGNING_ALGORITHMS,
  TEST_ENDPOINTS,
  type EndpointFault,
  type JwtTokenOptions,
  type OpaqueTokenOptions,
  type RotateKeysOptions,
  type SigningAlg,
  type TestClient,
  type TestEndpoint,
  type TestIssuer,
  type TestIssuerOptions,
  type TestIssuerStats,
  type TestValidatorOptions,
} from './issuer.js'
export type { Jwk } from './jwk.js'
