--[[ write-key.lua: one admin write of a key, applied only if the key is still at the version it was computed from.
KEYS[1]  hot hash of the key      {prefix}{tag}:k:<id>  config fields, `v` the key's version; `c` is rebuilt
KEYS[2]  public record (JSON)     {prefix}{tag}:m:<id>  its presence is the key's existence
KEYS[3]  ring hash of the key     {prefix}{tag}:r:<id>  dropped with ARGV[4] 'r'
KEYS[4]  client tokens of the key {prefix}{tag}:c:<id>  dropped with ARGV[4] 'c'
ARGV[1]  expected version: "new" (the key must not exist), else the integer the write was computed from
ARGV[2]  record JSON to store, or "" to keep the stored one
ARGV[3]  digest of that JSON (hot field `rv`), with ARGV[2]
ARGV[4]  flags: 'r' resets the quota window counters, 'c' revokes every client token of the key
ARGV[5]  n, the number of hot fields to set
ARGV[6] .. ARGV[5+2n]  field, value pairs to set
ARGV[6+2n] ..          fields to delete
Returns  { "ok", new version } or { "missing" } or { "exists" } or { "stale", current version }
Writes touch only the fields named, so a write never puts back a value it did not mean to change.
After them, the packed config `c` that verify.lua reads is rebuilt from the fields (the same
fields, in the same order, as verify.lua's CONFIG and hot-fields.ts's PACKED_CONFIG).
]]

local hot, record = KEYS[1], KEYS[2]
local exists = redis.call('EXISTS', record) == 1
local version = tonumber(redis.call('HGET', hot, 'v') or '0')
if ARGV[1] == 'new' then
  if exists then return { 'exists' } end
elseif not exists then
  return { 'missing' }
elseif tonumber(ARGV[1]) ~= version then
  return { 'stale', version }
end

if ARGV[2] ~= '' then
  redis.call('SET', record, ARGV[2])
  redis.call('HSET', hot, 'rv', ARGV[3])
end
local n = tonumber(ARGV[5])
local set = { 'v', version + 1 }
for i = 6, 5 + 2 * n do set[#set + 1] = ARGV[i] end
redis.call('HSET', hot, unpack(set))
if #ARGV >= 6 + 2 * n then redis.call('HDEL', hot, unpack(ARGV, 6 + 2 * n)) end

local c = redis.call('HMGET', hot, 'h', 's', 'x', 'ps', 'pb', 'pm', 'qt', 'qd', 'qw', 'qm', 'qy', 'qc',
  'us', 'rv', 'ui')
for i = 1, 15 do c[i] = c[i] or '' end
redis.call('HSET', hot, 'c', table.concat(c, '|'))

local flags = ARGV[4]
if string.find(flags, 'r', 1, true) then
  -- The window counters: 16 of the 21 numbers of `st` (after lu, tt, tn, ts, tm), or their own
  -- fields in a record written before the packed layout.
  local st = redis.call('HGET', hot, 'st')
  if st then
    local head = string.match(st, '^([^,]*,[^,]*,[^,]*,[^,]*,[^,]*),')
    if head then redis.call('HSET', hot, 'st', head .. string.rep(',0', 16)) end
  end
  redis.call('HDEL', hot, 'db', 'ds', 'dc', 'do', 'wb', 'ws', 'wc', 'wo', 'mb', 'ms', 'mc', 'mo',
    'yb', 'ys', 'yc', 'yo')
  redis.call('DEL', KEYS[3])
end
if string.find(flags, 'c', 1, true) then redis.call('DEL', KEYS[4]) end
return { 'ok', version + 1 }
