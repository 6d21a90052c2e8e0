import type { AuthContext, RouteOptions, StepUpOptions, TokenClaims, Validator } from '@tokenguard/core'

/** Route options as every adapter takes them: core's, plus where token errors go. */
export interface AdapterRouteOptions extends RouteOptions {
  errors?: 'respond' | 'next'
}

/**
 * One protected route. The handler always answers 200 with `{ "auth": <the auth context as JSON> }`
 * (`null` when the route let a request through without a token).
 */
export interface RouteSpec {
  path: string
  method: 'GET' | 'POST'
  /** `requireToken(validator, route)` first; `false` leaves it out (a guard alone). */
  route: AdapterRouteOptions | false
  /** `requireScopes(...scopes)` after it. */
  scopes?: string[]
  /** `requireAnyScope(...anyScopes)` after it. */
  anyScopes?: string[]
  /** `requireRoles(...roles)` after it. */
  roles?: string[]
  /** `requireStepUp(stepUp)` after it (RFC 9470). */
  stepUp?: StepUpOptions
  /** `requireClaims(claims)` after it. */
  claims?: (claims: TokenClaims, auth: AuthContext) => boolean
  /**
   * The token may come in a form body: the app parses `application/x-www-form-urlencoded` before
   * `requireToken` runs (Fastify: the hook goes in `preValidation` rather than `onRequest`).
   */
  formBody?: boolean
}

export interface RunningApp {
  /** `http://127.0.0.1:<port>` */
  url: string
  close(): Promise<void>
}

/** How the suite drives one adapter: build an app with these routes and listen on 127.0.0.1. */
export interface Harness {
  name: string
  start(validator: Validator, routes: RouteSpec[]): Promise<RunningApp>
}
