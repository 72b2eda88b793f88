--[[ log.lua: appends one flush's logged requests of several keys to their streams, capped by count and by age.
For key i (from 1):
KEYS[2i-1]  hot hash of the key   {prefix}{tag}:k:<id>  only looked at: an unknown key gets no stream
KEYS[2i]    request log stream    {prefix}{tag}:l:<id>  one entry per request
ARGV[1]  maxEntries: each XADD trims with MAXLEN ~ ARGV[1]
ARGV[2]  maxAge in ms: one XTRIM MINID ~ (now - ARGV[2]) per stream, and its TTL (PEXPIRE ARGV[2])
ARGV[3]  stream id: "*" (Redis time), or "<ms>-*" (the store's test clock: the age cap follows it)
ARGV[4]  n, the number of fields of an entry
ARGV[5] .. ARGV[4+n]  the field names, in order
then, for each key in KEYS order: its number of entries c, then c * n values, oldest first
Returns  the number of entries written (none for a key that does not exist)
"now" is the time of a stream's newest entry id, so the age cap needs no TIME call.
]]

local n = tonumber(ARGV[4])
if not n or n < 1 then return redis.error_reply('log.lua: ARGV[4] must be 1 or more') end

-- One argument list for every XADD: the names stay, the stream and values are overwritten.
local args = { '', 'MAXLEN', '~', ARGV[1], ARGV[3] }
for f = 1, n do args[4 + 2 * f] = ARGV[4 + f] end

local written, at = 0, 5 + n
for i = 1, #KEYS / 2 do
  local count = tonumber(ARGV[at])
  local first = at + 1
  at = first + count * n
  -- A forged token of an unknown id must not create a stream.
  if count > 0 and redis.call('EXISTS', KEYS[2 * i - 1]) == 1 then
    local stream, last = KEYS[2 * i], nil
    args[1] = stream
    for e = first, at - n, n do
      for f = 1, n do args[5 + 2 * f] = ARGV[e + f - 1] end
      last = redis.call('XADD', unpack(args))
      written = written + 1
    end
    local now_ms = tonumber(string.match(last, '^(%d+)-'))
    local min_id = string.format('%.0f', math.max(0, now_ms - tonumber(ARGV[2])))
    redis.call('XTRIM', stream, 'MINID', '~', min_id)
    redis.call('PEXPIRE', stream, ARGV[2])
  end
end
return written
