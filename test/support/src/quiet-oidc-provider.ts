/**
 * oidc-provider 9 prints "oidc-provider WARNING: Unsupported runtime. Use Node.js v22.x LTS..."
 * with console.warn when it is loaded on Node 20 (it works on 20.19+, the repo's floor).
 * Under Jest that one line becomes an 8-line console block per test file, so drop exactly
 * that message. Imported by auth-server.ts *before* oidc-provider; every other warning
 * passes through untouched.
 */
const original = console.warn
const RUNTIME_WARNING = 'oidc-provider WARNING: Unsupported runtime'

console.warn = function warn(...args: unknown[]) {
  if (typeof args[0] === 'string' && args[0].includes(RUNTIME_WARNING)) return
  original.apply(console, args)
}

export {}
