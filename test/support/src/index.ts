// @tokenguard/test-support: never built; consumed from source by tests, the demo and the bench.
export * from './auth-server'
export * from './memory-adapter'
export * from './redis-server'
export * from './free-port'
export * from './store-suite'
export * from './tcp-proxy'
export * from './packaging'
export * from './adapter-keys'
