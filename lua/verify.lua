--[[ verify.lua: checks tokens and charges every limit of their keys, all or nothing per token.
One call verifies a batch of n tokens (the verifications that reached one process in the same
tick, all in one hash slot on a Cluster), one after the other, as n separate calls would.
For token i (from 1), j = 5 * (i - 1):
KEYS[j+1]  hot hash of the key      {prefix}{tag}:k:<id>  secret hash, status, expiry, limits, counters
KEYS[j+2]  public record (JSON)     {prefix}{tag}:m:<id>  returned on success for req.apiKey
KEYS[j+3]  user rate hash           {prefix}{tag}:u       rate buckets shared by a user's keys (rate_scope "user")
KEYS[j+4]  ring hash of the key     {prefix}{tag}:r:<id>  closed sub-buckets of the rolling quota windows
KEYS[j+5]  client tokens of the key {prefix}{tag}:c:<id>  token hash -> "<expires_ms>|<scopes>"
ARGV[1]    clock override in microseconds since the epoch, or "" to use Redis TIME (read once)
ARGV[j+2]  SHA-256 of the presented token, base64
ARGV[j+3]  cost: credits charged to the quotas, an integer >= 0
ARGV[j+4]  required scopes, comma-separated, or ""
ARGV[j+5]  "ct" for a client token (billed to its parent key), else ""
ARGV[j+6]  version of the record JSON the caller holds ("" for none): an equal version skips the GET
Reply      one entry per token: { numbers, record JSON, record version, client token scopes }
           numbers: "outcome" when refused before any limit; else "outcome,failed_window,
           retry_after_ms," then "limit,remaining,reset_ms" for windows 1 second, 2 minute, 3 total,
           4 daily, 5 weekly, 6 monthly (limit -1: none). The other three only on success
           (record JSON "": the caller's copy is current).
outcome: 0 ok, 1 invalid, 2 inactive, 3 expired, 4 insufficient scope, 5 quota exceeded, 6 rate limited
The steps, in order (MemoryStore's verifier takes the same ones): load the key, authenticate,
check status and expiry, check scopes, check the quota windows, check the rates, reply, charge.
]]

local floor, ceil, max, tonumber, fmt = math.floor, math.ceil, math.max, tonumber, string.format
-- Numbers go to Redis as '%d' strings: Redis would format a Lua number with the slower '%.17g'.
local function int(n) return fmt('%d', n) end

-- Outcomes. A refusal before any limit is a whole reply: a string. Quota and rate lead the numbers.
local INVALID, INACTIVE, EXPIRED, SCOPE, QUOTA, RATE = '1', '2', '3', '4', 5, 6
local now
if ARGV[1] ~= '' then
  now = tonumber(ARGV[1])
else
  local t = redis.call('TIME')
  now = t[1] * 1000000 + t[2]
end
local now_ms = floor(now / 1000)

-- Does a comma-wrapped scope list grant `need`? Exact, "*", or a "prefix:*" wildcard.
local function grants(have, need)
  if string.find(have, ',*,', 1, true) or string.find(have, ',' .. need .. ',', 1, true) then
    return true
  end
  local colon = string.find(need, ':', 1, true)
  while colon do
    if string.find(have, ',' .. string.sub(need, 1, colon) .. '*,', 1, true) then return true end
    colon = string.find(need, ':', colon + 1, true)
  end
  return false
end

local function civil_month(day)
  local z = day + 719468
  local era = floor(z / 146097)
  local doe = z - era * 146097
  local yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  local mp = floor((5 * doy + 2) / 153)
  local y = yoe + era * 400
  if mp >= 10 then y = y + 1 end
  return y, mp
end

local function month_day(y, mp)
  -- first day of the month with March-based index mp (0 = March) in year y
  if mp >= 10 then y = y - 1 end
  local era = floor(y / 400)
  local yoe = y - era * 400
  return era * 146097 + yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + floor((153 * mp + 2) / 5) - 719468
end

local function calendar_period(letter)
  local day = floor(now_ms / 86400000)
  if letter == 'd' then return day, (day + 1) * 86400000 end
  if letter == 'w' then
    local week = floor((day + 3) / 7)
    return week, (week * 7 + 4) * 86400000
  end
  local y, mp = civil_month(day)
  local period = y * 12 + mp
  -- the next month: December (mp 9) is followed by January of the next year
  if mp == 9 then y = y + 1 end
  return period, month_day(y, (mp + 1) % 12) * 86400000
end

local function rank(window) return window == 3 and 7 or window end

-- Every hot field a verification may need, fetched in one HMGET and then used by name.
local NAMES = { 'h', 's', 'x', 'ps', 'pb', 'pm', 'qt', 'qd', 'qw', 'qm', 'qc', 'us', 'tt', 'ts', 'tm',
  'db', 'ds', 'dc', 'wb', 'ws', 'wc', 'mb', 'ms', 'mc', 'rv' }

-- One token: the steps above, against its key's five Redis keys.
local function verify(hot, record_key, user_key, ring_key, tokens_key, hash, cost, scopes, token_type, held)
  -- Load the key: every hot field the call may need, in one HMGET, by name.
  local values = redis.call('HMGET', hot, unpack(NAMES))
  local k = {}
  for i = 1, #NAMES do k[NAMES[i]] = values[i] end
  if not k.h then return { INVALID } end

  -- Authenticate: the key's secret, the previous one within its grace, or a live client token.
  local ct_scopes
  if token_type == 'ct' then
    local ct = redis.call('HGET', tokens_key, hash)
    if not ct then return { INVALID } end
    local bar = string.find(ct, '|', 1, true)
    if now_ms >= tonumber(string.sub(ct, 1, bar - 1)) then return { EXPIRED } end
    ct_scopes = string.sub(ct, bar + 1)
  elseif k.h ~= hash then
    local old = redis.call('HMGET', hot, 'h2', 'h2x')
    if old[1] ~= hash or now_ms >= (tonumber(old[2]) or 0) then return { INVALID } end
  end

  -- Status and expiry.
  if k.s ~= '1' then return { INACTIVE } end
  if k.x and now_ms >= tonumber(k.x) then return { EXPIRED } end

  -- Scopes: a client token needs them from its own list too.
  if scopes ~= '' then
    local have = ',' .. (redis.call('HGET', hot, 'sc') or '') .. ','
    local own = ct_scopes and ',' .. ct_scopes .. ','
    for need in string.gmatch(scopes, '[^,]+') do
      if not grants(have, need) or (own and not grants(own, need)) then return { SCOPE } end
    end
  end

  -- Windows 1-2 are rates, 3-6 quotas. Report the failure the client must wait longest for: any quota
  -- before any rate, then the longest wait (-1 = never); on a tie, the longer window (total first).
  local failed, fail_wait = 0, 0
  local function fail(window, wait)
    local worse
    if failed == 0 then
      worse = true
    elseif (window >= 3) ~= (failed >= 3) then
      worse = window >= 3
    elseif (wait < 0) ~= (fail_wait < 0) then
      worse = wait < 0
    elseif wait ~= fail_wait then
      worse = wait > fail_wait
    else
      worse = rank(window) > rank(failed)
    end
    if worse then failed, fail_wait = window, wait end
  end

  local total, used_total = tonumber(k.qt) or -1, tonumber(k.tt) or 0
  if total >= 0 and used_total + cost > total then fail(3, -1) end

  -- Quota windows. Rolling: rings of sub-buckets (daily 25 x 1 h, weekly 29 x 6 h, monthly 31 x 1 d),
  -- so the current bucket and the closed ones before it always cover the window (never over-admits).
  -- The hot hash keeps the newest bucket (b), its count (c) and the window's running sum (s); a bucket
  -- moves to the ring only when it closes. Calendar: b is the period (UTC day, ISO week, month), s its count.
  local WINDOWS = {
    { letter = 'd', slots = 25, size = 3600, index = 4 },
    { letter = 'w', slots = 29, size = 21600, index = 5 },
    { letter = 'm', slots = 31, size = 86400, index = 6 },
  }
  local calendar = k.qc == '1'
  local ring_read, ring_set, ring_del = {}, {}, {}


  -- Opens one window at now: w.bucket, w.sum, w.count, w.reset (ms), and the ring fields it reads.
  local function open_window(w)
    local letter, n = w.letter, w.slots
    w.last = tonumber(k[letter .. 'b'])
    w.sum, w.count = tonumber(k[letter .. 's']) or 0, tonumber(k[letter .. 'c']) or 0
    w.reads = {}
    if calendar then
      w.bucket, w.reset = calendar_period(letter)
      if w.last ~= w.bucket then w.sum = 0 end
      w.count = 0
      return
    end
    local b = floor(now_ms / (w.size * 1000))
    if w.last == nil then
      w.sum, w.count = 0, 0
    elseif b >= w.last + n then
      for i = 0, n - 1 do ring_del[#ring_del + 1] = letter .. i end
      w.sum, w.count = 0, 0
    elseif b > w.last then
      if w.count > 0 then
        ring_set[#ring_set + 1] = letter .. (w.last % n)
        ring_set[#ring_set + 1] = int(w.count)
      end
      for i = w.last + 1, b do
        w.reads[#w.reads + 1] = #ring_read + 1
        ring_read[#ring_read + 1] = letter .. (i % n)
      end
      w.count = 0
    else
      b = w.last -- same bucket, or the clock stepped back: stay in the newest bucket
    end
    w.bucket, w.reset = b, (b + 1) * w.size * 1000
  end

  -- Rejection only: how long until the window has room for this cost (-1: never). A rolling window
  -- gives credit back as its oldest sub-buckets leave: walk them oldest first.
  local function wait_for(w)
    if cost > w.limit then return -1 end
    if calendar then return w.reset - now_ms end
    local n, last = w.slots, w.last
    local newest = tonumber(k[w.letter .. 'c']) or 0
    local need, fields, closed = w.sum + cost - w.limit, {}, {}
    for j = w.bucket - n + 1, last - 1 do fields[#fields + 1] = w.letter .. (j % n) end
    if #fields > 0 then closed = redis.call('HMGET', ring_key, unpack(fields)) end
    local freed = 0
    for j = w.bucket - n + 1, last do
      if j == last then freed = freed + newest else freed = freed + (tonumber(closed[j - w.bucket + n]) or 0) end
      if freed >= need then return (j + n) * w.size * 1000 - now_ms end
    end
    return -1
  end

  local open = {}
  for _, w in ipairs(WINDOWS) do
    w.limit = tonumber(k['q' .. w.letter]) or -1
    if w.limit >= 0 then
      open_window(w)
      open[#open + 1] = w
    end
  end
  if #ring_read > 0 then
    -- Buckets that closed since the last call leave the window: one read for all of them.
    local old = redis.call('HMGET', ring_key, unpack(ring_read))
    for _, w in ipairs(open) do
      for _, i in ipairs(w.reads) do w.sum = w.sum - (tonumber(old[i]) or 0) end
    end
  end
  for _, w in ipairs(open) do
    if w.sum + cost > w.limit then
      local wait = wait_for(w)
      if wait >= 0 then w.reset = now_ms + wait end
      fail(w.index, wait)
    end
  end

  -- Rates: GCRA per second (with burst) and per minute, in microseconds, of the key or its user.
  local function gcra(tat, count, period, capacity)
    local interval = ceil(period / count)
    local new_tat = max(tonumber(tat) or 0, now) + interval
    return { tat = new_tat, interval = interval, capacity = capacity, ahead = new_tat - now }
  end
  local ps, pb, pm = tonumber(k.ps) or -1, tonumber(k.pb) or -1, tonumber(k.pm) or -1
  local user_scope = k.us == '1' and (ps > 0 or pm > 0)
  local tat_s, tat_m = k.ts, k.tm
  if user_scope then
    local u = redis.call('HMGET', user_key, 'ts', 'tm')
    tat_s, tat_m = u[1], u[2]
  end
  local second = ps > 0 and gcra(tat_s, ps, 1000000, pb > 0 and pb or ps) or nil
  local minute = pm > 0 and gcra(tat_m, pm, 60000000, pm) or nil
  for window, r in pairs({ [1] = second, [2] = minute }) do
    local over = r.ahead - r.capacity * r.interval
    if over > 0 then fail(window, ceil(over / 1000)) end
  end

  -- Reply. A refused request is charged nothing: it is told what it would have had left.
  local refused = failed > 0
  local out = { 0, 0, 0, -1, -1, 0, -1, -1, 0, total, -1, -1, -1, -1, 0, -1, -1, 0, -1, -1, 0 }
  for at, r in pairs({ [4] = second, [7] = minute }) do
    local left = floor((r.capacity * r.interval - r.ahead) / r.interval)
    if refused then
      out[at], out[at + 1], out[at + 2] = r.capacity, max(left + 1, 0), ceil(max(r.ahead - r.interval, 0) / 1000)
    else
      out[at], out[at + 1], out[at + 2] = r.capacity, left, ceil(r.ahead / 1000)
    end
  end
  local function left(limit, used)
    if refused then return max(limit - used, 0) end
    return limit - used - cost
  end
  if total >= 0 then out[11] = left(total, used_total) end
  for _, w in ipairs(open) do
    local at = 3 * w.index + 1
    out[at], out[at + 1], out[at + 2] = w.limit, left(w.limit, w.sum), w.reset - now_ms
  end
  if refused then
    out[1], out[2], out[3] = failed >= 3 and QUOTA or RATE, failed, fail_wait
    return { table.concat(out, ',') }
  end

  -- Charge: last use, the total, every window, the rate buckets. A bucket index is written only
  -- when it moves on (once an hour at most).
  local sets = { 'lu', int(now_ms), 'tt', int(used_total + cost) }
  for _, w in ipairs(open) do
    if w.bucket ~= w.last then
      sets[#sets + 1] = w.letter .. 'b'
      sets[#sets + 1] = int(w.bucket)
    end
    sets[#sets + 1] = w.letter .. 's'
    sets[#sets + 1] = int(w.sum + cost)
    sets[#sets + 1] = w.letter .. 'c'
    sets[#sets + 1] = int(w.count + cost)
  end
  local rates = {}
  if second then rates[#rates + 1] = 'ts'; rates[#rates + 1] = int(second.tat) end
  if minute then rates[#rates + 1] = 'tm'; rates[#rates + 1] = int(minute.tat) end
  if user_scope then
    redis.call('HSET', user_key, unpack(rates))
    local full_again = max(second and second.tat or 0, minute and minute.tat or 0) - now
    redis.call('PEXPIRE', user_key, int(ceil(full_again / 1000) + 1000))
  else
    for i = 1, #rates do sets[#sets + 1] = rates[i] end
  end
  redis.call('HSET', hot, unpack(sets))

  if #ring_read > 0 or #ring_del > 0 or #ring_set > 0 then
    -- A bucket closed: expired slots leave the ring, the closed bucket enters it.
    for i = 1, #ring_read do ring_del[#ring_del + 1] = ring_read[i] end
    if #ring_del > 0 then redis.call('HDEL', ring_key, unpack(ring_del)) end
    if #ring_set > 0 then
      redis.call('HSET', ring_key, unpack(ring_set))
      redis.call('PEXPIRE', ring_key, 2678400000) -- 31 days: longer than the longest window
    end
  end

  -- The record changes only with the key: a caller holding this version needs no copy.
  local record = (k.rv and k.rv == held) and '' or (redis.call('GET', record_key) or '')
  return { table.concat(out, ','), record, k.rv or '', ct_scopes }
end

local replies = {}
for i = 1, #KEYS / 5 do
  local j = 5 * (i - 1)
  replies[i] = verify(KEYS[j + 1], KEYS[j + 2], KEYS[j + 3], KEYS[j + 4], KEYS[j + 5],
    ARGV[j + 2], tonumber(ARGV[j + 3]), ARGV[j + 4], ARGV[j + 5], ARGV[j + 6])
end
return replies
