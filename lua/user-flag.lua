--[[ user-flag.lua: sets or clears a user's disabled flag in one hash tag (for the user's keys outside its own tag).
KEYS[1]  user hash of the tag  {prefix}{tag}:u  field `d` ("1"): the user is disabled (read by verify.lua)
ARGV[1]  "1": set the flag, else clear it
ARGV[2]  clock override in microseconds since the epoch, or "" to use Redis TIME
Returns  "ok"
The hash also holds the rate buckets of rate_scope "user" (`ts`, `tm`), which expire: a set flag
makes the hash persistent, and clearing it gives the buckets back the lifetime verify.lua gives them.
]]

if ARGV[1] == '1' then
  redis.call('HSET', KEYS[1], 'd', '1')
  redis.call('PERSIST', KEYS[1])
elseif redis.call('HDEL', KEYS[1], 'd') == 1 then
  local b = redis.call('HMGET', KEYS[1], 'ts', 'tm')
  if b[1] or b[2] then
    local now = tonumber(ARGV[2])
    if not now then
      local t = redis.call('TIME')
      now = t[1] * 1000000 + t[2]
    end
    local last = math.max(tonumber(b[1]) or 0, tonumber(b[2]) or 0)
    redis.call('PEXPIRE', KEYS[1], string.format('%d', math.max(math.ceil((last - now) / 1000), 0) + 1000))
  end
end
return 'ok'
