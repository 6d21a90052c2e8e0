import { describePackaging } from '@tokenguard/test-support'

describePackaging({
  adapter: 'express',
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
