export { RedisStore, RedisStoreReplicationError, RedisStoreTimeoutError } from './redis-store.js'
export type { RedisStoreOptions } from './redis-store.js'
export { sentinelOptions } from './sentinel-options.js'
