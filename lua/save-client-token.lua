--[[ save-client-token.lua: stores a client token, only while its parent key is active and unchanged.
KEYS[1]  hot hash of the parent key       {prefix}{tag}:k:<id>  `v` version, `s` status
KEYS[2]  client tokens of the parent key  {prefix}{tag}:c:<id>  token hash -> "<expires_ms>|<scopes>"
ARGV[1]  the parent's version the token was minted against
ARGV[2]  SHA-256 of the token, base64
ARGV[3]  "<expires_ms>|<scopes>"
ARGV[4]  now, ms since the epoch (the store's clock)
ARGV[5]  how long an expired token is still kept, in ms
Returns  "ok", or "stale" when the parent changed (deactivated, regenerated, edited) or is gone
The hash outlives its longest-lived token by ARGV[5], so its memory is bounded.
]]

local f = redis.call('HMGET', KEYS[1], 'v', 's')
if f[2] ~= '1' or tonumber(f[1] or '0') ~= tonumber(ARGV[1]) then return 'stale' end
local now, kept = tonumber(ARGV[4]), tonumber(ARGV[5])
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local expires = tonumber(string.match(all[i + 1], '^(%d+)'))
  if expires and expires + kept <= now then redis.call('HDEL', KEYS[2], all[i]) end
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
local ttl = math.max(1, tonumber(string.match(ARGV[3], '^(%d+)')) - now + kept)
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
return 'ok'
