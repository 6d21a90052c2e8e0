/** RFC 7662 token introspection: the HTTP client and the opaque-token strategy built on it. */
export { createIntrospectionClient, formUrlEncode } from './client.js'
export type { IntrospectionClient, IntrospectionClientOptions } from './client.js'
export { createOpaqueStrategy, checkIntrospectionResponse } from './opaque-strategy.js'
export type { OpaqueStrategy, OpaqueStrategyOptions, OpaqueVerifyOptions } from './opaque-strategy.js'
