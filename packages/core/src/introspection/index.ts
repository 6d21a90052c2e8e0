/** RFC 7662 token introspection: the HTTP client, the response checks and the answer cache. */
export { createIntrospectionClient, formUrlEncode } from './client.js'
export type { IntrospectionClient, IntrospectionClientOptions } from './client.js'
export { checkIntrospectionResponse } from './response.js'
export { createOpaqueStrategy } from '../strategies/opaque.js'
export type { OpaqueStrategy, OpaqueStrategyOptions, OpaqueVerifyOptions } from '../strategies/opaque.js'
