// Command-line flags of the bench, parsed once with node:util parseArgs (unknown flags are errors).
import path from 'node:path'
import { parseArgs } from 'node:util'

const FLAGS = {
  quick: { type: 'boolean', default: false },
  rounds: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  connections: { type: 'string' },
  pool: { type: 'string' },
  revocations: { type: 'string' },
  only: { type: 'string' },
  out: { type: 'string' },
  profile: { type: 'string' },
  top: { type: 'string' },
  'no-micro': { type: 'boolean', default: false },
  'no-growth': { type: 'boolean', default: false },
  'no-http': { type: 'boolean', default: false },
  'growth-max': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
}

export const USAGE = `node bench/run.mjs [flags]
  --quick              1 round x 1 s, a reduced set, small growth curves (< 2 min)
  --rounds N           rounds per HTTP scenario, interleaved (default 3)
  --duration S         measured seconds per scenario and round (default 5)
  --warmup S           unmeasured load before each measurement (default 1; whole seconds)
  --connections N      wrk connections (default 50)
  --pool N             distinct tokens per kind for the distinct workload (default 11000)
  --revocations N      revocations in the propagation test (default 200)
  --only A,B           only HTTP scenarios whose id contains A or B (skips the rest)
  --out FILE           JSON report (default bench/results/latest.json, quick.json with --quick)
  --profile ID         run one HTTP scenario once under --cpu-prof and print where the time goes;
                       micro:<variant> profiles an in-process variant (e.g. micro:tokenguard-cold-RS256)
  --top N              functions listed by --profile (default 30)
  --growth-max N       largest size of the growth curves (default 1000000; quick 10000)
  --no-micro, --no-growth, --no-http   leave a part out`

function count(value, name, min = 0) {
  if (value === undefined) return undefined
  const number = Number(value)
  if (!Number.isFinite(number) || number < min) throw new TypeError(`--${name} must be a number >= ${min}`)
  return number
}

/** The resolved options; `here` is the bench directory. */
export function readOptions(argv, here) {
  const { values } = parseArgs({ args: argv, options: FLAGS, allowPositionals: false, strict: true })
  const quick = values.quick
  const pick = (name, full, short, min) => count(values[name], name, min) ?? (quick ? short : full)
  return {
    help: values.help,
    quick,
    rounds: pick('rounds', 3, 1, 1),
    duration: Math.ceil(pick('duration', 5, 1, 1)),
    warmup: Math.ceil(pick('warmup', 1, 1, 0)),
    connections: pick('connections', 50, 50, 1),
    // > the verified-token cache (10,000) so cyclic rotation misses every time (strict LRU).
    pool: pick('pool', 11_000, 2000, 1),
    revocations: pick('revocations', 200, 100, 1),
    growthMax: pick('growth-max', 1_000_000, 10_000, 1000),
    only: values.only,
    profile: values.profile,
    top: count(values.top, 'top', 1) ?? 30,
    micro: !values['no-micro'] && !values.only,
    growth: !values['no-growth'] && !values.only,
    http: !values['no-http'],
    out: path.resolve(values.out ?? path.join(here, 'results', quick ? 'quick.json' : 'latest.json')),
  }
}
