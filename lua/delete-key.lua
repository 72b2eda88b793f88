--[[ delete-key.lua: deletes a key that was never used, with everything stored under its id.
KEYS[1]  hot hash of the key      {prefix}{tag}:k:<id>  `lu` (last used) and `tt` (total used), the first two
         numbers of `st` (or fields of their own before the packed layout), say it was used
         (a key whose only history is rejected requests has none of them, but a request log)
KEYS[2]  public record (JSON)     {prefix}{tag}:m:<id>
KEYS[3]  ring hash of the key     {prefix}{tag}:r:<id>
KEYS[4]  client tokens of the key {prefix}{tag}:c:<id>
KEYS[5]  request log stream       {prefix}{tag}:l:<id>
KEYS[6]  hourly usage counters    {prefix}{tag}:sh:<id>
KEYS[7]  daily usage counters     {prefix}{tag}:sd:<id>
ARGV[1]  expected version, or "" for any
Returns  { "ok", the deleted record JSON } or { "missing" } or { "in_use" } or { "stale", current version }
A later write finds no record and answers "missing": nothing brings a deleted key back.
]]

local json = redis.call('GET', KEYS[2])
if not json then return { 'missing' } end
local f = redis.call('HMGET', KEYS[1], 'v', 'lu', 'tt', 'st')
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= tonumber(f[1] or '0') then
  return { 'stale', tonumber(f[1] or '0') }
end
local lu, tt = f[2], f[3]
if f[4] then lu, tt = string.match(f[4], '^(%d+),(%d+)') end
if (tonumber(lu) or 0) > 0 or (tonumber(tt) or 0) > 0 or redis.call('XLEN', KEYS[5]) > 0 then
  return { 'in_use' }
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
return { 'ok', json }
