import type { Cluster, Redis } from 'ioredis'

/**
 * The denylist's Lua scripts, registered on the client with ioredis `defineCommand` (EVALSHA with
 * the EVAL fallback built in). Every script takes the same four keys, all in the `{denylist}` hash
 * slot so they run on a Cluster:
 * KEYS[1] index (sorted set: id scored by expiresAt), KEYS[2] entries (hash: id -> JSON),
 * KEYS[3] seq (INCR per add or restore), KEYS[4] epoch (a random id, created once with SET NX).
 * Every script writes (at least `SET NX` of the epoch), so it fails on a read-only replica and on
 * a master refusing writes (`min-replicas-to-write`): a demoted master can prove nothing.
 */

/** Removes up to ARGV[2] entries that expired at ARGV[1]. */
const PRUNE = `
local function prune(now, batch)
  local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(batch))
  if #expired > 0 then
    redis.call('ZREM', KEYS[1], unpack(expired))
    redis.call('HDEL', KEYS[2], unpack(expired))
  end
end
`

/**
 * Merges an entry with the one under its id (the later cut-off and expiry win, so a replayed or
 * reordered revocation never loosens a newer one) and records it unless already expired at now.
 * Returns the merged JSON.
 */
const MERGE = `
local function merge(id, json, now)
  local new = cjson.decode(json)
  local previous = redis.call('HGET', KEYS[2], id)
  if previous then
    local old = cjson.decode(previous)
    if old.expiresAt and old.expiresAt > new.expiresAt then new.expiresAt = old.expiresAt end
    if old.issuedBefore and (not new.issuedBefore or old.issuedBefore > new.issuedBefore) then
      new.issuedBefore = old.issuedBefore
    end
    json = cjson.encode(new)
  end
  if new.expiresAt > tonumber(now) then
    redis.call('ZADD', KEYS[1], new.expiresAt, id)
    redis.call('HSET', KEYS[2], id, json)
  end
  return json
end
local function extend()
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if last[2] then
    local at = math.floor(tonumber(last[2])) + 1
    redis.call('EXPIREAT', KEYS[1], at)
    redis.call('EXPIREAT', KEYS[2], at)
  end
end
`

/** Creates the epoch if it is missing (the store is new or lost its data); returns epoch and seq. */
const POSITION = `
local function position(candidate)
  redis.call('SET', KEYS[4], candidate, 'NX')
  return redis.call('GET', KEYS[4]), tonumber(redis.call('GET', KEYS[3]) or '0')
end
`

// ARGV: now, prune batch, id, entry JSON, channel, publish command, epoch candidate.
// One atomic step: prune, merge, count, publish the merged entry with its position.
const ADD = `${PRUNE}${MERGE}${POSITION}
prune(ARGV[1], ARGV[2])
local epoch = position(ARGV[7])
local json = merge(ARGV[3], ARGV[4], ARGV[1])
extend()
local seq = redis.call('INCR', KEYS[3])
redis.call(ARGV[6], ARGV[5], '{"t":"e","seq":' .. seq .. ',"epoch":' .. cjson.encode(epoch) .. ',"entry":' .. json .. '}')
return { seq, epoch }
`

// ARGV: nonce, channel, publish command, epoch candidate. Publishes the position now.
const HEARTBEAT = `${POSITION}
local epoch, seq = position(ARGV[4])
redis.call(ARGV[3], ARGV[2], '{"t":"h","nonce":' .. cjson.encode(ARGV[1]) .. ',"seq":' .. seq .. ',"epoch":' .. cjson.encode(epoch) .. '}')
return seq
`

// ARGV: now, prune batch, epoch candidate. The position a snapshot is current at (read first;
// the entries are then scanned: adds only ever grow the list, so a scan taken after it misses nothing).
const HEAD = `${PRUNE}${POSITION}
prune(ARGV[1], ARGV[2])
local epoch, seq = position(ARGV[3])
return { epoch, seq }
`

// ARGV: now, lost epoch, epoch candidate, then id/JSON pairs. Writes entries back; when the store
// is still at the lost epoch (its history went backwards), takes a new one so every mirror notices.
const RESTORE = `${MERGE}
local current = redis.call('GET', KEYS[4])
if (not current) or current == ARGV[2] then redis.call('SET', KEYS[4], ARGV[3]) end
for i = 4, #ARGV, 2 do merge(ARGV[i], ARGV[i + 1], ARGV[1]) end
extend()
return redis.call('INCR', KEYS[3])
`

// ARGV: now, prune batch. Prunes, then returns the JSON of every entry scored above now.
const LIST = `${PRUNE}
prune(ARGV[1], ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')
local out = {}
for i = 1, #ids, 1000 do
  local chunk = {}
  for j = i, math.min(i + 999, #ids) do chunk[#chunk + 1] = ids[j] end
  local values = redis.call('HMGET', KEYS[2], unpack(chunk))
  for _, value in ipairs(values) do
    if value then out[#out + 1] = value end
  end
end
return out
`

const SCRIPTS = {
  tokenguardDenylistAdd: ADD,
  tokenguardDenylistHeartbeat: HEARTBEAT,
  tokenguardDenylistHead: HEAD,
  tokenguardDenylistRestore: RESTORE,
  tokenguardDenylistList: LIST,
} as const

export type ScriptName = keyof typeof SCRIPTS

type ScriptCall = (...args: Array<string | number>) => Promise<unknown>
export type WithScripts = Record<ScriptName, ScriptCall>

/** Defines the scripts on a client (once per client; a second store on it reuses them). */
export function defineScripts(redis: Redis | Cluster): Redis & WithScripts {
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    if (typeof (redis as unknown as Record<string, unknown>)[name] !== 'function') {
      redis.defineCommand(name, { numberOfKeys: 4, lua })
    }
  }
  return redis as unknown as Redis & WithScripts
}
