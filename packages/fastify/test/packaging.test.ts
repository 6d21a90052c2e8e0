import { describePackaging } from '@tokenguard/test-support'

// The app's own fastify (a peer dependency) is the one this package is developed against.
const { run } = describePackaging({
  adapter: 'fastify',
  exports: [
    'default',
    'tokenguard',
    'requireToken',
    'requireScopes',
    'requireAnyScope',
    'requireClaims',
    'requireStepUp',
    'createValidator',
    'TokenError',
  ],
  peers: ['fastify'],
})

it('registers as a plugin from the CommonJS build', () => {
  const script = `
    const fastify = require('fastify')
    const { tokenguard } = require('@tokenguard/fastify')
    const app = fastify()
    app.register(tokenguard, { issuer: 'https://i.test/', audience: 'a', jwt: { algorithms: ['RS256'], jwks: { keys: [] } } })
    app.after(() => app.get('/', { onRequest: app.requireToken() }, async () => ({})))
    app.inject({ url: '/' }).then((r) => console.log(r.statusCode, r.headers['www-authenticate']))`
  expect(run(['-e', script])).toBe('401 Bearer realm="a"')
})
