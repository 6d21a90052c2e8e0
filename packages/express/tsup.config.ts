import { defineConfig, type Options } from 'tsup'

const common: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  target: 'node20',
}

// Two builds, so each entry point's declaration file stands alone: the main one carries the global
// `req.auth` declaration, `no-augmentation` never imports it. Each cleans only its own files.
export default defineConfig([
  { ...common, entry: ['src/index.ts'], clean: ['index.*'] },
  { ...common, entry: ['src/no-augmentation.ts'], clean: ['no-augmentation.*'] },
])
