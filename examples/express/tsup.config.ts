import { defineConfig } from 'tsup'

// Plain ESM for `node`; types come from src (tsc checks them, `typecheck` script).
export default defineConfig({
  entry: ['src/app.ts', 'src/main.ts'],
  format: ['esm'],
  target: 'node20',
  clean: true,
  sourcemap: true,
})
