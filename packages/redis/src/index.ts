export { RedisStore, RedisStoreTimeoutError } from './redis-store.js'
export type { RedisStoreOptions } from './redis-store.js'
