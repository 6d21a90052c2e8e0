// The published test kit, from source: core takes no dependency on @tokenguard/testing (the kit
// has core as an optional peer, so a workspace dependency would make a cycle).
export {
  createTestIssuer,
  type EndpointFault,
  type TestIssuer,
  type TestIssuerOptions,
} from '../../../testing/src/index'
