import { join } from 'node:path'
import { describeConsumers } from '@tokenguard/test-support'

// Both majors the peer range promises, each with the @types major that describes it.
describeConsumers({
  fixtures: join(__dirname, '../fixtures/koa'),
  packages: ['@tokenguard/core', '@tokenguard/koa', '@tokenguard/testing'],
  versions: [
    { label: 'koa2', dependencies: { koa: '^2.15.0', '@types/koa': '^2.15.0' } },
    { label: 'koa3', dependencies: { koa: '^3.0.0', '@types/koa': '^3.0.0' } },
  ],
})
