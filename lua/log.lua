--[[ log.lua: appends one flush's logged requests of several keys to their streams, capped by count and by age,
and adds them to each key's hourly and daily usage counters.
For key i (from 1):
KEYS[4i-3]  hot hash of the key    {prefix}{tag}:k:<id>   only looked at (when its stream is new): an unknown key gets no stream and no counters
KEYS[4i-2]  request log stream     {prefix}{tag}:l:<id>   one entry per request
KEYS[4i-1]  hourly usage counters  {prefix}{tag}:sh:<id>  fields <hour>:a, <hour>:r:<CODE>, and b (the newest hour)
KEYS[4i]    daily usage counters   {prefix}{tag}:sd:<id>  fields <day>:a, <day>:r:<CODE>, and b (the newest day)
ARGV[1]  maxEntries: each XADD trims with MAXLEN ~ ARGV[1]
ARGV[2]  maxAge in ms: XTRIM MINID ~ (now - ARGV[2]) with a new hour (see below), and the stream's TTL (PEXPIRE ARGV[2])
ARGV[3]  stream id: "*" (Redis time), or "<ms>-*" (the store's test clock: the age cap follows it)
ARGV[4]  n, the number of fields of an entry
ARGV[5] .. ARGV[4+n]  the field names, in order
ARGV[5+n], ARGV[6+n], ARGV[7+n]   hourly counters: bucket size in ms, buckets kept, TTL in ms
ARGV[8+n], ARGV[9+n], ARGV[10+n]  daily counters: the same
then, for each key in KEYS order: its number of entries c, then c * n values, oldest first;
then its number of counters m, then m pairs: counter ("a" allowed, "r:<CODE>" rejected), requests
Returns  the number of entries written (none for a key that does not exist)
"now" is the time of a stream's newest entry id, so the age cap and the counters' bucket need no
TIME call. A counter hash is trimmed when its newest bucket changes: HINCRBY answering exactly the
amount added means a counter new to its bucket, and only then are the bucket field b read and
the TTL restarted (at least once per bucket, so a hash goes at least TTL - one bucket after its
last write), so a steady key costs one HINCRBY per hash. The buckets older than the kept ones go,
so it holds at most (buckets kept x counters per bucket) + 1 fields. The stream's age trim
(XTRIM MINID) runs with the hourly hash's new counters, so at least once per hour of traffic:
readers trim exactly, and MAXLEN ~ bounds the stream in between. A flush to an existing stream
costs one XADD per entry and one PEXPIRE: the EXISTS check runs only when XADD NOMKSTREAM finds
no stream.
]]

local n = tonumber(ARGV[4])
if not n or n < 1 then return redis.error_reply('log.lua: ARGV[4] must be 1 or more') end

-- The two counter hashes of a key: hourly (KEYS[4i-1]) and daily (KEYS[4i]).
local series = {}
for s = 1, 2 do
  local base = 2 + n + 3 * s
  series[s] = { size = tonumber(ARGV[base]), keep = tonumber(ARGV[base + 1]), ttl = ARGV[base + 2] }
end

-- Two argument lists for every XADD: the names stay, the stream and values are overwritten.
-- `guarded` (NOMKSTREAM) adds to a stream only if it exists, which only a known key's can.
local plain = { '', 'MAXLEN', '~', ARGV[1], ARGV[3] }
local guarded = { '', 'NOMKSTREAM', 'MAXLEN', '~', ARGV[1], ARGV[3] }
for f = 1, n do
  plain[4 + 2 * f] = ARGV[4 + f]
  guarded[5 + 2 * f] = ARGV[4 + f]
end

-- XADDs the entry whose values start at ARGV[e]; `at` + 2f is the list's slot of value f.
local function add(list, at, stream, e)
  list[1] = stream
  for f = 1, n do list[at + 2 * f] = ARGV[e + f - 1] end
  return redis.call('XADD', unpack(list))
end

-- Adds the pairs ARGV[from ..] (m of them) to the current bucket; when one of them is new to the
-- bucket and the bucket is new to the hash, trims the old buckets. Returns whether a counter was new.
local function count(hash, spec, now_ms, from, m)
  local bucket = math.floor(now_ms / spec.size)
  local b = string.format('%d', bucket)
  local fresh = false
  for p = from, from + 2 * m - 2, 2 do
    local added = ARGV[p + 1]
    if redis.call('HINCRBY', hash, b .. ':' .. ARGV[p], added) == tonumber(added) then fresh = true end
  end
  if fresh and redis.call('HGET', hash, 'b') ~= b then
    local old = {}
    for _, field in ipairs(redis.call('HKEYS', hash)) do
      local fb = tonumber(string.match(field, '^(%d+):'))
      if fb and fb <= bucket - spec.keep then old[#old + 1] = field end
    end
    if #old > 0 then redis.call('HDEL', hash, unpack(old)) end
    redis.call('HSET', hash, 'b', b)
  end
  if fresh then redis.call('PEXPIRE', hash, spec.ttl) end
  return fresh
end

local written, at = 0, 11 + n
for i = 1, #KEYS / 4 do
  local entries = tonumber(ARGV[at])
  local first = at + 1
  at = first + entries * n
  local m = tonumber(ARGV[at])
  local pairs_at = at + 1
  at = pairs_at + 2 * m
  -- A forged token of an unknown id must not create a stream, nor counters. A stream exists only
  -- for a key that does (delete-key.lua deletes both), so EXISTS runs only for a new stream.
  local stream, last = KEYS[4 * i - 2], false
  if entries > 0 then
    last = add(guarded, 6, stream, first)
    if not last and redis.call('EXISTS', KEYS[4 * i - 3]) == 1 then
      last = add(plain, 5, stream, first)
    end
  end
  if last then
    written = written + 1
    for e = first + n, first + (entries - 1) * n, n do
      last = add(plain, 5, stream, e)
      written = written + 1
    end
    local now_ms = tonumber(string.match(last, '^(%d+)-'))
    redis.call('PEXPIRE', stream, ARGV[2])
    if m > 0 then
      local new_counter = count(KEYS[4 * i - 1], series[1], now_ms, pairs_at, m)
      count(KEYS[4 * i], series[2], now_ms, pairs_at, m)
      if new_counter then
        local min_id = string.format('%.0f', math.max(0, now_ms - tonumber(ARGV[2])))
        redis.call('XTRIM', stream, 'MINID', '~', min_id)
      end
    end
  end
end
return written
