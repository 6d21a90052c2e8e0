import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.turbo/**',
      '**/coverage/**',
      'test/docs/.generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    // Each file is checked with the types of the nearest tsconfig.json (sources and tests alike).
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Factories return closures (STYLE.md), so `const { revoke } = revoker` loses no `this`.
      '@typescript-eslint/unbound-method': 'off',
      // `async` without `await` is how a Promise-returning contract (Store, hooks) turns a throw into a rejection.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/**', '**/test/**', '**/test-d/**'],
    rules: {
      // Jest's asymmetric matchers (expect.any, expect.objectContaining) and supertest bodies are `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // Tests compile without noUncheckedIndexedAccess, where an index's `!` is redundant, not wrong.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    // Plain JavaScript, and the TypeScript no tsconfig covers: build configs, the packaging fixtures
    // (copied into consumer projects), the docs prelude (globals for README blocks only).
    files: ['**/*.{js,mjs,cjs}', '**/tsup.config.ts', 'test/packaging/fixtures/**', 'test/docs/prelude.d.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['**/*.cjs', 'jest.preset.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['express', 'koa', 'fastify', 'ioredis', '@koa/*'] }],
    },
  },
)
