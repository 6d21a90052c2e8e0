import { parseArgs } from 'node:util'
import type { ValidatorOptions } from '../options.js'
import { ASYMMETRIC_ALGORITHMS } from '../options/values.js'
import type { ProfileName } from '../profiles/types.js'
import type { ExplainOptions } from '../explain/guard-checks.js'
import type { RouteOptions } from '../types.js'

/** Asymmetric algorithms a diagnosis accepts unless --algorithms narrows them (HS* needs a secret). */
const DIAGNOSIS_ALGORITHMS = [...ASYMMETRIC_ALGORITHMS]

export const USAGE = `Usage: tokenguard explain --issuer <url> --audience <aud> [options] [--] <token | ->

Says why a token would be accepted or refused, check by check. The token is read from the
argument (last; a token that starts with "-" may follow "--"), or from stdin with "-"; it is
never printed.

Options:
  --issuer <url>                   trusted issuer, exactly as in the tokens' iss (repeatable)
  --audience <aud>                 this API's audience (repeatable)
  --profile <name>                 provider profile: rfc9068, auth0, okta, entra, keycloak, cognito, hydra, zitadel
  --jwks-uri <url>                 key set URL (default: discovered from the issuer's metadata)
  --algorithms <list>              allowed algorithms, comma-separated (default: the asymmetric ones)
  --typ <typ>                      accepted typ header (jwt.typ), or "any"
  --clock-tolerance <seconds>      leeway for exp, nbf and iat (default 5)
  --introspection-endpoint <url>   RFC 7662 endpoint for opaque tokens (default: discovered)
  --client-id <id>                 introspection client id
  --client-secret-env <VAR>        environment variable holding the introspection client secret
  --strategy <jwt|opaque|hybrid>   the route's strategy (default: from the options)
  --sensitive                      explain a sensitive route (denylist, fresh introspection)
  --scopes <list>                  the route's requireScopes, comma-separated (all needed)
  --any-scope <list>               the route's requireAnyScope, comma-separated (one is enough)
  --roles <list>                   the route's requireRoles, comma-separated (all needed)
  --allow-insecure-issuer          accept http URLs on hosts other than loopback
  --json                           print the report as JSON
  -h, --help                       this text

Exit status: 0 accepted, 1 refused, 2 usage or configuration error.`

export class UsageError extends Error {}

/** Our options as typed on the command line. */
const KNOWN_FLAGS = new Set([
  '--issuer',
  '--audience',
  '--profile',
  '--jwks-uri',
  '--algorithms',
  '--typ',
  '--clock-tolerance',
  '--introspection-endpoint',
  '--client-id',
  '--client-secret-env',
  '--strategy',
  '--sensitive',
  '--scopes',
  '--any-scope',
  '--roles',
  '--allow-insecure-issuer',
  '--json',
  '--help',
  '-h',
])

/** What an option looks like on the command line: a short lower-case name (`--jwks-uri`, `-h`). */
const OPTION_LIKE = /^--?[a-z][a-z0-9-]{0,39}(=.*)?$/

/**
 * A token may start with "-" (base64url has it): a last argument that is not one of our options
 * is the token, as if "--" came before it. Anything else that starts with "-" is left to parseArgs.
 */
function tokenAfterOptions(argv: readonly string[]): string[] {
  const last = argv.at(-1)
  if (last === undefined || last === '-' || !last.startsWith('-') || argv.includes('--')) return [...argv]
  const name = last.split('=')[0] ?? ''
  if (KNOWN_FLAGS.has(name)) return [...argv]
  return [...argv.slice(0, -1), '--', last]
}

/**
 * parseArgs quotes an unknown option in its message: fine for `--nope`, never for an argument that
 * may be a token (the token is never printed).
 */
function safeParseMessage(error: Error, argv: readonly string[]): string {
  // parseArgs reads "-Mx…" as short options and quotes "-M": judge the whole argument it came from.
  const named = /option '([^']+)'/i.exec(error.message)?.[1]
  const from = named === undefined ? [] : argv.filter((arg) => arg.startsWith(named))
  if (from.every((arg) => OPTION_LIKE.test(arg))) return error.message
  return 'an argument that starts with "-" is not an option; a token goes last, or after "--"'
}

export interface CliCommand {
  options: ValidatorOptions
  /** The route's options and guards. */
  route: ExplainOptions
  /** The token argument, or '-' for stdin. */
  token: string
  json: boolean
}

/** Reads argv into validator options; a `UsageError` names what is wrong (never the token). */
export function parseCommand(argv: readonly string[], env: NodeJS.ProcessEnv): CliCommand | 'help' {
  let parsed
  try {
    parsed = parseArgs({
      args: tokenAfterOptions(argv),
      allowPositionals: true,
      strict: true,
      options: {
        issuer: { type: 'string', multiple: true },
        audience: { type: 'string', multiple: true },
        profile: { type: 'string' },
        'jwks-uri': { type: 'string' },
        algorithms: { type: 'string' },
        typ: { type: 'string' },
        'clock-tolerance': { type: 'string' },
        'introspection-endpoint': { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret-env': { type: 'string' },
        strategy: { type: 'string' },
        sensitive: { type: 'boolean' },
        scopes: { type: 'string' },
        'any-scope': { type: 'string' },
        roles: { type: 'string' },
        'allow-insecure-issuer': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    throw new UsageError(safeParseMessage(error as Error, argv))
  }
  const { values, positionals } = parsed
  if (values.help === true) return 'help'
  const [command, ...rest] = positionals
  if (command !== 'explain') throw new UsageError('the only command is "explain"')
  if (rest.length !== 1) throw new UsageError('give exactly one token, or "-" to read it from stdin')
  if (values.issuer === undefined) throw new UsageError('--issuer is required')
  if (values.audience === undefined) throw new UsageError('--audience is required')

  const introspection = introspectionOptions(values, env)
  const wantsJwt = values.strategy !== 'opaque' || introspection === undefined
  const options: ValidatorOptions = {
    issuer: values.issuer,
    audience: values.audience,
    ...(values.profile === undefined ? {} : { profile: values.profile as ProfileName }),
    ...(values['allow-insecure-issuer'] === true ? { allowInsecureIssuer: true } : {}),
    ...(introspection === undefined ? {} : { introspection }),
  }
  if (wantsJwt) {
    options.jwt = {
      algorithms:
        values.algorithms === undefined
          ? DIAGNOSIS_ALGORITHMS
          : values.algorithms.split(',').map((alg) => alg.trim()),
      ...(values['jwks-uri'] === undefined ? {} : { jwksUri: values['jwks-uri'] }),
      ...(values.typ === undefined ? {} : { typ: values.typ === 'any' ? false : values.typ }),
      ...(values['clock-tolerance'] === undefined
        ? {}
        : { clockTolerance: seconds(values['clock-tolerance']) }),
    }
  }
  const route: ExplainOptions = {}
  if (values.strategy !== undefined) route.strategy = values.strategy as RouteOptions['strategy']
  if (values.sensitive === true) route.sensitive = true
  if (values.scopes !== undefined) route.scopes = names(values.scopes, '--scopes')
  if (values['any-scope'] !== undefined) route.anyScope = names(values['any-scope'], '--any-scope')
  if (values.roles !== undefined) route.roles = names(values.roles, '--roles')
  return { options, route, token: rest[0]!, json: values.json === true }
}

function introspectionOptions(
  values: Record<string, string | boolean | string[] | undefined>,
  env: NodeJS.ProcessEnv,
): ValidatorOptions['introspection'] {
  const clientId = values['client-id'] as string | undefined
  const secretVar = values['client-secret-env'] as string | undefined
  const endpoint = values['introspection-endpoint'] as string | undefined
  if (clientId === undefined && secretVar === undefined && endpoint === undefined) return undefined
  if (clientId === undefined || secretVar === undefined)
    throw new UsageError(
      'introspection needs --client-id and --client-secret-env (the secret is never an argument)',
    )
  const clientSecret = env[secretVar]
  if (clientSecret === undefined || clientSecret === '')
    throw new UsageError(`--client-secret-env: the environment variable ${secretVar} is not set`)
  return { clientId, clientSecret, ...(endpoint === undefined ? {} : { endpoint }) }
}

/** A comma-separated list of scope or role names; an empty one is a usage error. */
function names(value: string, flag: string): string[] {
  const list = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
  if (list.length === 0) throw new UsageError(`${flag} needs at least one name`)
  return list
}

function seconds(value: string): number {
  const number = Number(value)
  if (value.trim() === '' || !Number.isFinite(number) || number < 0)
    throw new UsageError('--clock-tolerance must be a non-negative number of seconds')
  return number
}
