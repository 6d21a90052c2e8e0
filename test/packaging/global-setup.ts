// The module alone: the package index would load the whole test support (oidc-provider) here.
import { packToEnv } from '@tokenguard/test-support/src/packaging'

export default function setup(): void {
  packToEnv()
}
