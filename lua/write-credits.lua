--[[ write-credits.lua: sets, adds to or takes from a key's credits (its total quota's remaining) against
the credits used at this moment, with the record and the version, in one step.
KEYS[1]  hot hash of the key      {prefix}{tag}:k:<id>  `tt` credits used (in `st`), `qt` total quota, `v` version,
         `rv` record version; `c` is rebuilt, as write-key.lua does
KEYS[2]  public record (JSON)     {prefix}{tag}:m:<id>  its presence is the key's existence
ARGV[1]  expected version: the integer the record below was computed from
ARGV[2]  op: "set", "increment" or "decrement"
ARGV[3]  amount: an integer >= 0
ARGV[4]  record JSON before the value of quotas.total
ARGV[5]  record JSON after it
Returns  { "ok", new version, used, total quota before ("" for none), new total quota }
         or { "missing" } or { "stale", current version } or { "unlimited" }
Credits left are qt - tt, never counted below zero: set leaves exactly the amount, increment adds to
what is left, decrement takes from it down to zero at most (src/store/credits.ts computes the same).
]]

local hot, record = KEYS[1], KEYS[2]
if redis.call('EXISTS', record) == 0 then return { 'missing' } end
local f = redis.call('HMGET', hot, 'v', 'tt', 'qt', 'st')
local version = tonumber(f[1] or '0')
if tonumber(ARGV[1]) ~= version then return { 'stale', version } end

-- Credits used: the second number of `st`, or its own field before the packed layout.
local used_text = f[4] and string.match(f[4], '^[^,]*,(%d+)') or f[2]
local used, limit = tonumber(used_text or '0'), tonumber(f[3] or '')
local op, amount = ARGV[2], tonumber(ARGV[3])
local new
if op == 'set' then
  new = used + amount
elseif not limit then
  return { 'unlimited' }
else
  local base = math.max(limit, used)
  if op == 'increment' then new = base + amount else new = math.max(used, base - amount) end
end

local text = string.format('%d', new)
local json = ARGV[4] .. text .. ARGV[5]
redis.call('SET', record, json)
-- A new record version: guards holding the old copy are sent this one with their next verification.
redis.call('HSET', hot, 'qt', text, 'v', version + 1, 'rv', 'c' .. string.sub(redis.sha1hex(json), 1, 11))
local c = redis.call('HMGET', hot, 'h', 's', 'x', 'ps', 'pb', 'pm', 'qt', 'qd', 'qw', 'qm', 'qy', 'qc',
  'us', 'rv', 'ui')
for i = 1, 15 do c[i] = c[i] or '' end
redis.call('HSET', hot, 'c', table.concat(c, '|'))
return { 'ok', version + 1, string.format('%d', used), f[3] or '', text }
