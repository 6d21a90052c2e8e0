import { join } from 'node:path'
import { describeConsumers } from '@tokenguard/test-support'

// Both majors the peer range promises, each with the @types major that describes it.
describeConsumers({
  fixtures: join(__dirname, '../fixtures/express'),
  packages: ['@tokenguard/core', '@tokenguard/express', '@tokenguard/testing'],
  versions: [
    { label: 'express4', dependencies: { express: '^4.21.0', '@types/express': '^4.17.21' } },
    { label: 'express5', dependencies: { express: '^5.0.0', '@types/express': '^5.0.0' } },
  ],
})
