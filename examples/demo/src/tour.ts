/**
 * Entry point of `pnpm demo` (see run.ts for the tour itself).
 *
 * oidc-provider 9 prints one "Unsupported runtime" line on Node 20 (it prefers 22; it works on
 * 20.19+). It would land in the middle of the tour's output, so that exact line is dropped before
 * the tour (and with it oidc-provider) is loaded; every other warning passes through.
 */
const warn = console.warn
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return
  warn.apply(console, args)
}

await import('./run.js')
