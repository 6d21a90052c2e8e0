// Shared Jest settings: TypeScript through @swc/jest, workspace packages resolved to their sources
// through the `@tokenguard/source` export condition (tests never need a build, and a new package
// needs no entry here), and jose (ESM-only) transformed, including under pnpm's .pnpm/ paths.
module.exports = {
  testEnvironment: 'node',
  // The node environment's own conditions, after ours; ours comes first in every export entry.
  testEnvironmentOptions: { customExportConditions: ['@tokenguard/source', 'node', 'node-addons'] },
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: [
    '/node_modules/(?!(\\.pnpm/[^/]+/node_modules/)?(jose|oidc-provider|@koa|koa|cookie)(/|@))',
  ],
  moduleNameMapper: {
    // Sources import './x.js' (NodeNext); under Jest they resolve to the .ts file.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testMatch: ['**/?(*.)test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
}
