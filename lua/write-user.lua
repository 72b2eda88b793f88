--[[ write-user.lua: creates, updates or deletes one user, only if it is still at the version it was computed from,
and sets the disabled flag that verify.lua reads for the keys of the user's hash tag in the same step.
KEYS[1]  the user's record (JSON)  {prefix}{tag}:user:<user_id>  its "_v" is the user's version
KEYS[2]  user hash of the tag      {prefix}{tag}:u               field `d` ("1"): the user is disabled
ARGV[1]  expected version: "new" (the user must not exist), else the integer the write was computed from
ARGV[2]  the new user JSON, its "_v" already one more than ARGV[1]; "" deletes the user
ARGV[3]  "1": the user is disabled (set `d`), else clear it
ARGV[4]  clock override in microseconds since the epoch, or "" to use Redis TIME
Returns  { "ok" } or { "missing" } or { "exists" } or { "stale", current version }
The hash also holds the rate buckets of rate_scope "user" (`ts`, `tm`), which expire: a set flag
makes the hash persistent, and clearing it gives the buckets back the lifetime verify.lua gives them.
]]

local current = redis.call('GET', KEYS[1])
if ARGV[1] == 'new' then
  if current then return { 'exists' } end
else
  if not current then return { 'missing' } end
  local version = tonumber(cjson.decode(current)['_v']) or 0
  if version ~= tonumber(ARGV[1]) then return { 'stale', version } end
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2])
end

if ARGV[3] == '1' then
  redis.call('HSET', KEYS[2], 'd', '1')
  redis.call('PERSIST', KEYS[2])
elseif redis.call('HDEL', KEYS[2], 'd') == 1 then
  -- Buckets kept while the flag was set expire again, as verify.lua would have let them.
  local b = redis.call('HMGET', KEYS[2], 'ts', 'tm')
  if b[1] or b[2] then
    local now = tonumber(ARGV[4])
    if not now then
      local t = redis.call('TIME')
      now = t[1] * 1000000 + t[2]
    end
    local last = math.max(tonumber(b[1]) or 0, tonumber(b[2]) or 0)
    redis.call('PEXPIRE', KEYS[2], string.format('%d', math.max(math.ceil((last - now) / 1000), 0) + 1000))
  end
end
return { 'ok' }
