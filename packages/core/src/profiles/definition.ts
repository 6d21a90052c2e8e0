import { PROFILE_NAMES, PROFILES } from './builtin.js'
import { claimValues, pathList, stringList, typList } from './option-values.js'
import type { ProfileDefinition, ProfileName, ProfileOptions } from './types.js'

/** A profile given as a name or as `{ extends?, ...fields }`, read into its definition (checked once). */

export interface NamedDefinition extends ProfileDefinition {
  name: string
}

export function profileDefinition(profile: unknown, name: string): NamedDefinition {
  if (profile === undefined) return { ...PROFILES.rfc9068, name: 'rfc9068' }
  if (typeof profile === 'string') return { ...named(profile, name), name: profile }
  if (profile === null || typeof profile !== 'object' || Array.isArray(profile)) {
    throw new TypeError(
      `createValidator: \`${name}\` must be a profile name (${PROFILE_NAMES.join(', ')}) or an object`,
    )
  }
  const options = profile as ProfileOptions & Record<string, unknown>
  const base = options.extends === undefined ? 'rfc9068' : options.extends
  const definition: NamedDefinition = { ...named(base, `${name}.extends`), name: `${base} (customized)` }
  for (const key of Object.keys(options)) {
    if (key === 'extends' || options[key] === undefined) continue
    switch (key) {
      case 'typ':
        definition.typ = typList(options.typ, `${name}.typ`)
        break
      case 'requiredClaims':
      case 'clientIdClaims':
        definition[key] = stringList(options[key], `${name}.${key}`, true)
        break
      case 'scopeClaims':
      case 'roleClaims':
        definition[key] = pathList(options[key], `${name}.${key}`)
        break
      case 'claimValues':
        definition.claimValues = claimValues(options.claimValues, `${name}.claimValues`)
        break
      case 'audienceClaim':
        if (options.audienceClaim !== 'aud' && options.audienceClaim !== 'client_id') {
          throw new TypeError(`createValidator: \`${name}.audienceClaim\` must be aud or client_id`)
        }
        definition.audienceClaim = options.audienceClaim
        break
      default:
        throw new TypeError(`createValidator: \`${name}.${key}\` is not a profile option`)
    }
  }
  return definition
}

function named(profile: unknown, name: string): ProfileDefinition {
  if (typeof profile !== 'string' || !Object.hasOwn(PROFILES, profile)) {
    throw new TypeError(`createValidator: \`${name}\` must be one of ${PROFILE_NAMES.join(', ')}`)
  }
  return PROFILES[profile as ProfileName]
}
