// The names a `ts check` block may use without defining them, because the prose around the block
// says what they are. Everything else a block uses it must import or define itself, so that it can
// be copied as it is. Keep this list short; a block's own definition of a name shadows these.

/** The validator a README's first example builds with `createValidator(…)`. */
declare const tokens: import('@tokenguard/core').Validator

/**
 * Your route handlers, in whichever framework the block is about (Express handler, Koa middleware,
 * Fastify handler): the docs only pass them to a route.
 */
declare const listItems: DocsRouteHandler
declare const listOrders: DocsRouteHandler
declare const pay: DocsRouteHandler

/** An `onEvent` listener of your own (operations.md: several listeners share one `onEvent`). */
declare const myOwnListener: import('@tokenguard/core').EventListener

type DocsRouteHandler = (...args: any[]) => any
