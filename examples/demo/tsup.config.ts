import { defineConfig } from 'tsup'

// One ESM file for plain `node`. @tokenguard/test-support is TypeScript source that is never built
// on its own, so it is bundled in; everything else (the example apps, oidc-provider, jose) stays an
// import resolved from node_modules at run time.
export default defineConfig({
  entry: ['src/tour.ts'],
  format: ['esm'],
  target: 'node20',
  clean: true,
  sourcemap: true,
  noExternal: ['@tokenguard/test-support'],
})
