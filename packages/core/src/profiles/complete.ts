import { normalizeTyp } from '../jws/header.js'
import type { NamedDefinition } from './definition.js'
import type { ClaimPath, ResolvedProfile } from './types.js'

/** A profile definition made complete for one issuer: its audiences, the older options, its issuer shape. */

/** What `complete` needs of the validator's other options. */
export interface CompleteInputs {
  /** `jwt.typ` as given: when present it overrides every profile's `typ` (the older option). */
  jwtTyp: string | false | undefined
  /** `scopeClaim` as given: when present it replaces every profile's scope claims (the older option). */
  scopeClaim: string | undefined
}

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const ENTRA_V1 = new RegExp(`^https://sts\\.windows\\.net/(${GUID})/$`, 'i')
const ENTRA_V2 = new RegExp(`^https://login\\.microsoftonline\\.com/(${GUID})/v2\\.0$`, 'i')
const APP_ID = new RegExp(`^${GUID}$`, 'i')
const APP_ID_URI = new RegExp(`^api://(${GUID})$`, 'i')

/** The profile an issuer's tokens are checked with: its definition, the older options, its audiences. */
export function complete(
  definition: NamedDefinition,
  url: string,
  audiences: string[],
  inputs: CompleteInputs,
  name: string,
): ResolvedProfile {
  const claimValues = { ...definition.claimValues }
  checkIssuerShape(definition, url, name, claimValues)
  const allowed = new Set(audiences)
  if (definition.appIdUriAliases) {
    // Entra: v1 tokens name the app id URI, v2 tokens the app id; both identify one app registration.
    for (const audience of audiences) {
      if (APP_ID.test(audience)) allowed.add(`api://${audience}`)
      const uri = APP_ID_URI.exec(audience)
      if (uri !== null) allowed.add(uri[1]!)
    }
  }
  const typ =
    inputs.jwtTyp === false
      ? false
      : new Set((inputs.jwtTyp === undefined ? definition.typ : [inputs.jwtTyp]).map(normalizeTyp))
  return {
    name: definition.name,
    typ,
    requiredClaims: [...new Set([...definition.requiredClaims, ...Object.keys(claimValues)])],
    claimValues,
    scopeClaims: (inputs.scopeClaim === undefined ? definition.scopeClaims : [inputs.scopeClaim]).map(toPath),
    roleClaims: definition.roleClaims.map(toPath),
    clientIdClaims: [...definition.clientIdClaims],
    audienceClaim: definition.audienceClaim,
    audiences: allowed,
    introspection: definition.introspection,
  }
}

/** A mistyped issuer refuses every token as `unknown_issuer`: say so at construction instead. */
function checkIssuerShape(
  definition: NamedDefinition,
  url: string,
  name: string,
  claimValues: Record<string, string>,
): void {
  const fail = (rule: string) => {
    throw new TypeError(`createValidator: \`${name}\` ${url} is not a ${definition.name} issuer: ${rule}`)
  }
  if (definition.issuerShape === 'trailing-slash' && !url.endsWith('/')) fail('its issuers end with "/"')
  if (definition.issuerShape === 'no-trailing-slash' && url.endsWith('/'))
    fail('its issuers do not end with "/"')
  if (definition.issuerShape !== 'entra') return
  if (/\{|\}|\/(common|organizations|consumers)(\/|$)/i.test(url)) {
    fail("a multi-tenant issuer template needs an issuer resolver; list each tenant's issuer")
  }
  const host = new URL(url).hostname.toLowerCase()
  const tenant = (ENTRA_V1.exec(url) ?? ENTRA_V2.exec(url))?.[1]
  if (host === 'sts.windows.net' && tenant === undefined)
    fail('v1 issuers are https://sts.windows.net/{tenant id}/')
  if (host === 'login.microsoftonline.com' && tenant === undefined) {
    fail('v2 issuers are https://login.microsoftonline.com/{tenant id}/v2.0')
  }
  // The tenant in the issuer and the token's `tid` must agree (Entra claims validation guidance).
  if (tenant !== undefined) claimValues.tid = tenant.toLowerCase()
}

const toPath = (path: ClaimPath): readonly string[] => (typeof path === 'string' ? [path] : [...path])
