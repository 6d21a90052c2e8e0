export {
  runConformanceSuite,
  expectRefusal,
  expectNothingLeaked,
  serialised,
  jwtRoutes,
  opaqueRoutes,
  jwtOptions,
} from './suite'
export type { AdapterRouteOptions, Harness, RouteSpec, RunningApp } from './harness'
export { createExpressHarness, express4Harness, expressHarness } from './harnesses/express'
export { createKoaHarness, koa2Harness, koaHarness } from './harnesses/koa'
export { fastifyHarness } from './harnesses/fastify'
export { send, bearer } from './http-client'
export type { Answer, SendOptions } from './http-client'
export * from './tokens'
