import { defineConfig } from 'tsup'

export default defineConfig({
  // `cli` is the `tokenguard explain` command (the package's bin); only the library has types.
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'node20',
})
