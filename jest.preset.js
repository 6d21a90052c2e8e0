// Shared Jest settings: TypeScript through @swc/jest, workspace packages mapped to their sources
// (tests never need a build), and jose (ESM-only) transformed, including under pnpm's .pnpm/ paths.
const path = require('node:path')

const packagesDir = path.join(__dirname, 'packages')

module.exports = {
  testEnvironment: 'node',
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
    '^@tokenguard/(core|express|koa|fastify|redis)$': path.join(packagesDir, '$1/src/index.ts'),
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testMatch: ['**/?(*.)test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
}
