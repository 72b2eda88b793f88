--[[ write-plan.lua: creates, updates or deletes one plan, only if it is still at the version it was computed from.
KEYS[1]  the plans hash           {prefix}plans  plan id -> plan JSON, whose "_v" is the plan's version
ARGV[1]  plan id
ARGV[2]  expected version: "new" (the plan must not exist), else the integer the write was computed from
ARGV[3]  the new plan JSON, its "_v" already one more than ARGV[2]; "" deletes the plan
Returns  { "ok" } or { "missing" } or { "exists" } or { "stale", current version }
]]

local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == 'new' then
  if current then return { 'exists' } end
else
  if not current then return { 'missing' } end
  local version = tonumber(cjson.decode(current)['_v']) or 0
  if version ~= tonumber(ARGV[2]) then return { 'stale', version } end
end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
return { 'ok' }
