--[[ log.lua: appends one flush's logged requests of one key to its stream, capped by count and by age.
KEYS[1]  hot hash of the key      {prefix}{tag}:k:<id>  only looked at: an unknown key gets no stream
KEYS[2]  request log stream       {prefix}{tag}:l:<id>  one entry per request
ARGV[1]  maxEntries: each XADD trims with MAXLEN ~ ARGV[1]
ARGV[2]  maxAge in ms: one XTRIM MINID ~ (now - ARGV[2]), and the stream's TTL (PEXPIRE ARGV[2])
ARGV[3]  stream id: "*" (Redis time), or "<ms>-*" (the store's test clock: the age cap follows it)
ARGV[4]  n, the number of fields of an entry
ARGV[5] .. ARGV[4+n]  the field names, in order
ARGV[5+n] ..          the entries' values, n per entry, oldest first
Returns  the number of entries written: 0 when the key does not exist
"now" is the time of the newest entry's id, so the age cap needs no TIME call.
]]

-- A forged token of an unknown id must not create a stream.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end

local n = tonumber(ARGV[4])
if not n or n < 1 then return redis.error_reply('log.lua: ARGV[4] must be 1 or more') end
local stream = KEYS[2]

-- One argument list for every XADD: the names stay, the values are overwritten per entry.
local args = { stream, 'MAXLEN', '~', ARGV[1], ARGV[3] }
for f = 1, n do args[4 + 2 * f] = ARGV[4 + f] end

local written, last = 0, nil
for first = 5 + n, #ARGV - n + 1, n do
  for f = 1, n do args[5 + 2 * f] = ARGV[first + f - 1] end
  last = redis.call('XADD', unpack(args))
  written = written + 1
end
if not last then return 0 end

local now_ms = tonumber(string.match(last, '^(%d+)-'))
local min_id = string.format('%.0f', math.max(0, now_ms - tonumber(ARGV[2])))
redis.call('XTRIM', stream, 'MINID', '~', min_id)
redis.call('PEXPIRE', stream, ARGV[2])
return written
