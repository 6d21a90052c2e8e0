import { join } from 'node:path'
import { describeConsumers } from '@tokenguard/test-support'

// Fastify ships its own types; the peer range is 5 only.
describeConsumers({
  fixtures: join(__dirname, '../fixtures/fastify'),
  packages: ['@tokenguard/core', '@tokenguard/fastify', '@tokenguard/testing'],
  versions: [{ label: 'fastify5', dependencies: { fastify: '^5.0.0' } }],
})
