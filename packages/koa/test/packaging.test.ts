import { describePackaging } from '@tokenguard/test-support'

describePackaging({
  adapter: 'koa',
  exports: [
    'requireToken',
    'requireScopes',
    'requireAnyScope',
    'requireClaims',
    'requireStepUp',
    'createValidator',
    'TokenError',
  ],
})
