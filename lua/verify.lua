--[[ verify.lua: checks a token and charges every limit of its key, all or nothing, in one call.
KEYS[1]  hot hash of the key     {prefix}{tag}:k:<id>  secret hash, status, expiry, limits, counters
KEYS[2]  public record (JSON)    {prefix}{tag}:m:<id>  returned on success for req.apiKey
KEYS[3]  user rate hash          {prefix}{tag}:u       rate buckets shared by a user's keys (rate_scope "user")
KEYS[4]  ring hash of the key    {prefix}{tag}:r:<id>  closed sub-buckets of the rolling quota windows
KEYS[5]  client tokens of the key {prefix}{tag}:c:<id>  token hash -> "<expires_ms>|<scopes>"
ARGV[1]  SHA-256 of the presented token, base64
ARGV[2]  clock override in microseconds since the epoch, or "" to use Redis TIME
ARGV[3]  cost: credits charged to the quotas, an integer >= 0
ARGV[4]  required scopes, comma-separated, or ""
ARGV[5]  "ct" for a client token (billed to its parent key KEYS[1]), else ""
ARGV[6]  version of the record JSON the caller holds ("" for none): an equal version skips the GET
Returns  { outcome, failed_window, retry_after_ms, then (limit, remaining, reset_ms) for each window
           1 second, 2 minute, 3 total, 4 daily, 5 weekly, 6 monthly (limit -1 = none), record JSON
           ("" when the caller holds this version), record version, and for a client token its scopes }
outcome: 0 ok, 1 invalid, 2 inactive, 3 expired, 4 insufficient scope, 5 quota exceeded, 6 rate limited
]]

local hot = KEYS[1]
local floor, ceil, tonumber, fmt = math.floor, math.ceil, tonumber, string.format
-- Numbers go to Redis as '%d' strings: Redis would format a Lua number with the slower '%.17g'.

local now
if ARGV[2] ~= '' then
  now = tonumber(ARGV[2])
else
  local t = redis.call('TIME')
  now = t[1] * 1000000 + t[2]
end
local now_ms = floor(now / 1000)

local f = redis.call('HMGET', hot, 'h', 's', 'x', 'ps', 'pb', 'pm', 'qt', 'qd', 'qw', 'qm', 'qc',
  'us', 'tt', 'ts', 'tm', 'db', 'ds', 'dc', 'wb', 'ws', 'wc', 'mb', 'ms', 'mc', 'rv')

local hash = ARGV[1]
local ct_scopes
if ARGV[5] == 'ct' then
  -- A client token is valid while its parent key is: it has no secret of the parent's.
  if not f[1] then return { 1 } end
  local ct = redis.call('HGET', KEYS[5], hash)
  if not ct then return { 1 } end
  local bar = string.find(ct, '|', 1, true)
  if now_ms >= tonumber(string.sub(ct, 1, bar - 1)) then return { 3 } end
  ct_scopes = string.sub(ct, bar + 1)
elseif f[1] ~= hash then
  if not f[1] then return { 1 } end
  -- A regenerated key's old secret lives on until its grace period ends.
  local old = redis.call('HMGET', hot, 'h2', 'h2x')
  if old[1] ~= hash or now_ms >= (tonumber(old[2]) or 0) then return { 1 } end
end
if f[2] ~= '1' then return { 2 } end
if f[3] and now_ms >= tonumber(f[3]) then return { 3 } end

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

if ARGV[4] ~= '' then
  -- A client token needs the scope from its own list and from its parent's (which may shrink).
  local have = ',' .. (redis.call('HGET', hot, 'sc') or '') .. ','
  local own = ct_scopes and ',' .. ct_scopes .. ','
  for need in string.gmatch(ARGV[4], '[^,]+') do
    if not grants(have, need) or (own and not grants(own, need)) then return { 4 } end
  end
end

local cost = tonumber(ARGV[3])
local qt, qd, qw, qm = tonumber(f[7]) or -1, tonumber(f[8]) or -1, tonumber(f[9]) or -1, tonumber(f[10]) or -1
local calendar = f[11] == '1'
local used_total = tonumber(f[13]) or 0

-- Windows 1-2 are rates, 3-6 quotas. Report the failure the client must wait longest for:
-- any quota before any rate, then the longest wait (-1 = never resets); on a tie, the longer
-- window (total, then monthly, weekly, daily; minute before second).
local failed, fail_wait = 0, 0
local function rank(window) return window == 3 and 7 or window end
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

if qt >= 0 and used_total + cost > qt then fail(3, -1) end

-- Quota windows. Rolling: rings of sub-buckets (daily 25 x 1 h, weekly 29 x 6 h, monthly 31 x 1 d:
-- the current bucket and the N-1 closed ones before it always cover the whole window, so a quota
-- never over-admits); the hot hash keeps the newest bucket (b), its count (c) and the window's
-- running sum (s); closed buckets move to the ring hash only when a bucket closes, so a call
-- touches a constant number of fields. Calendar: b is the period (UTC day, ISO week, month) and s
-- its count.
local ring_get, ring_set, ring_del = {}, {}, {}
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

-- last: the stored newest bucket (a number, or nil before the first call)
-- returns bucket, sum, count, reset_ms, first_ring_read, last_ring_read
local function window(letter, limit, n, size, last, sum, count)
  sum, count = tonumber(sum) or 0, tonumber(count) or 0
  if calendar then
    local day = floor(now_ms / 86400000)
    local period, reset
    if letter == 'd' then
      period, reset = day, (day + 1) * 86400000
    elseif letter == 'w' then
      period = floor((day + 3) / 7)
      reset = (period * 7 + 4) * 86400000
    else
      local y, mp = civil_month(day)
      period = y * 12 + mp
      -- the next month: December (mp 9) is followed by January of the next year
      if mp == 9 then y = y + 1 end
      mp = (mp + 1) % 12
      reset = month_day(y, mp) * 86400000
    end
    if last ~= period then sum = 0 end
    return period, sum, 0, reset, 1, 0
  end
  local b = floor(now_ms / (size * 1000))
  local first = #ring_get + 1
  if last == nil then
    sum, count = 0, 0
  elseif b >= last + n then
    for i = 0, n - 1 do ring_del[#ring_del + 1] = letter .. i end
    sum, count = 0, 0
  elseif b > last then
    if count > 0 then
      ring_set[#ring_set + 1] = letter .. (last % n)
      ring_set[#ring_set + 1] = fmt('%d', count)
    end
    for i = last + 1, b do ring_get[#ring_get + 1] = letter .. (i % n) end
    count = 0
  else
    b = last -- same bucket, or the clock stepped back: stay in the newest bucket
  end
  return b, sum, count, (b + 1) * size * 1000, first, #ring_get
end

local db, ds, dc, dr, d1, d2, wb, ws, wc, wr, w1, w2, mb, ms, mc, mr, m1, m2
-- The stored bucket indexes, parsed once: the writes below compare them with the new ones.
local d_last, w_last, m_last = tonumber(f[16]), tonumber(f[19]), tonumber(f[22])
if qd >= 0 then db, ds, dc, dr, d1, d2 = window('d', qd, 25, 3600, d_last, f[17], f[18]) end
if qw >= 0 then wb, ws, wc, wr, w1, w2 = window('w', qw, 29, 21600, w_last, f[20], f[21]) end
if qm >= 0 then mb, ms, mc, mr, m1, m2 = window('m', qm, 31, 86400, m_last, f[23], f[24]) end

if #ring_get > 0 then
  local old = redis.call('HMGET', KEYS[4], unpack(ring_get))
  if qd >= 0 then for i = d1, d2 do ds = ds - (tonumber(old[i]) or 0) end end
  if qw >= 0 then for i = w1, w2 do ws = ws - (tonumber(old[i]) or 0) end end
  if qm >= 0 then for i = m1, m2 do ms = ms - (tonumber(old[i]) or 0) end end
end

-- Rejection only: how long until the window has room for this cost (-1: it never will). A
-- rolling window gives credit back as its oldest sub-buckets leave, so walk them oldest first.
local function wait_for(letter, limit, n, size, b, sum, reset, last, newest)
  if cost > limit then return -1 end
  if calendar then return reset - now_ms end
  newest = tonumber(newest) or 0
  local need, fields, closed = sum + cost - limit, {}, {}
  for j = b - n + 1, last - 1 do fields[#fields + 1] = letter .. (j % n) end
  if #fields > 0 then closed = redis.call('HMGET', KEYS[4], unpack(fields)) end
  local freed = 0
  for j = b - n + 1, last do
    if j == last then freed = freed + newest else freed = freed + (tonumber(closed[j - b + n]) or 0) end
    if freed >= need then return (j + n) * size * 1000 - now_ms end
  end
  return -1
end

if qd >= 0 and ds + cost > qd then
  local wait = wait_for('d', qd, 25, 3600, db, ds, dr, d_last, f[18])
  if wait >= 0 then dr = now_ms + wait end
  fail(4, wait)
end
if qw >= 0 and ws + cost > qw then
  local wait = wait_for('w', qw, 29, 21600, wb, ws, wr, w_last, f[21])
  if wait >= 0 then wr = now_ms + wait end
  fail(5, wait)
end
if qm >= 0 and ms + cost > qm then
  local wait = wait_for('m', qm, 31, 86400, mb, ms, mr, m_last, f[24])
  if wait >= 0 then mr = now_ms + wait end
  fail(6, wait)
end

-- Rates: GCRA per second (with burst) and per minute, in microseconds.
local ps, pb, pm = tonumber(f[4]) or -1, tonumber(f[5]) or -1, tonumber(f[6]) or -1
local user_scope = f[12] == '1'
local tat_s, tat_m = f[14], f[15]
if user_scope and (ps > 0 or pm > 0) then
  local u = redis.call('HMGET', KEYS[3], 'ts', 'tm')
  tat_s, tat_m = u[1], u[2]
end
local out = { 0, 0, 0, -1, -1, 0, -1, -1, 0, qt, -1, -1, -1, -1, 0, -1, -1, 0, -1, -1, 0 }
local new_s, new_m, t_s, t_m
if ps > 0 then
  if pb <= 0 then pb = ps end
  t_s = ceil(1000000 / ps)
  new_s = math.max(tonumber(tat_s) or 0, now) + t_s
  local ahead = new_s - now
  if ahead > pb * t_s then fail(1, ceil((ahead - pb * t_s) / 1000)) end
  out[4], out[5], out[6] = pb, floor((pb * t_s - ahead) / t_s), ceil(ahead / 1000)
end
if pm > 0 then
  t_m = ceil(60000000 / pm)
  new_m = math.max(tonumber(tat_m) or 0, now) + t_m
  local ahead = new_m - now
  if ahead > pm * t_m then fail(2, ceil((ahead - pm * t_m) / 1000)) end
  out[7], out[8], out[9] = pm, floor((pm * t_m - ahead) / t_m), ceil(ahead / 1000)
end
if qt >= 0 then out[11] = qt - used_total - cost end
if qd >= 0 then out[13], out[14], out[15] = qd, qd - ds - cost, dr - now_ms end
if qw >= 0 then out[16], out[17], out[18] = qw, qw - ws - cost, wr - now_ms end
if qm >= 0 then out[19], out[20], out[21] = qm, qm - ms - cost, mr - now_ms end

if failed > 0 then
  -- Nothing is consumed: report what the caller would have had left.
  out[1], out[2], out[3] = failed >= 3 and 5 or 6, failed, fail_wait
  if ps > 0 then out[5], out[6] = math.max(out[5] + 1, 0), ceil(math.max(new_s - t_s - now, 0) / 1000) end
  if pm > 0 then out[8], out[9] = math.max(out[8] + 1, 0), ceil(math.max(new_m - t_m - now, 0) / 1000) end
  for k = 10, 19, 3 do
    if out[k] >= 0 then out[k + 1] = math.max(out[k + 1] + cost, 0) end
  end
  return out
end

-- A bucket index is written only when it moves on (once an hour at most).
local sets = { 'lu', fmt('%d', now_ms), 'tt', fmt('%d', used_total + cost) }
local n = 4
if qd >= 0 then
  if db ~= d_last then sets[n + 1], sets[n + 2], n = 'db', fmt('%d', db), n + 2 end
  sets[n + 1], sets[n + 2], sets[n + 3], sets[n + 4] = 'ds', fmt('%d', ds + cost), 'dc', fmt('%d', dc + cost)
  n = n + 4
end
if qw >= 0 then
  if wb ~= w_last then sets[n + 1], sets[n + 2], n = 'wb', fmt('%d', wb), n + 2 end
  sets[n + 1], sets[n + 2], sets[n + 3], sets[n + 4] = 'ws', fmt('%d', ws + cost), 'wc', fmt('%d', wc + cost)
  n = n + 4
end
if qm >= 0 then
  if mb ~= m_last then sets[n + 1], sets[n + 2], n = 'mb', fmt('%d', mb), n + 2 end
  sets[n + 1], sets[n + 2], sets[n + 3], sets[n + 4] = 'ms', fmt('%d', ms + cost), 'mc', fmt('%d', mc + cost)
  n = n + 4
end

if user_scope and (new_s or new_m) then
  local u = {}
  if new_s then u[#u + 1] = 'ts'; u[#u + 1] = fmt('%d', new_s) end
  if new_m then u[#u + 1] = 'tm'; u[#u + 1] = fmt('%d', new_m) end
  redis.call('HSET', KEYS[3], unpack(u))
  redis.call('PEXPIRE', KEYS[3], fmt('%d', ceil((math.max(new_s or 0, new_m or 0) - now) / 1000) + 1000))
else
  if new_s then sets[n + 1], sets[n + 2], n = 'ts', fmt('%d', new_s), n + 2 end
  if new_m then sets[n + 1], sets[n + 2], n = 'tm', fmt('%d', new_m), n + 2 end
end
redis.call('HSET', hot, unpack(sets))

if #ring_get > 0 or #ring_del > 0 or #ring_set > 0 then
  -- A bucket closed: expired slots leave the ring, the closed bucket enters it.
  for i = 1, #ring_get do ring_del[#ring_del + 1] = ring_get[i] end
  if #ring_del > 0 then redis.call('HDEL', KEYS[4], unpack(ring_del)) end
  if #ring_set > 0 then
    redis.call('HSET', KEYS[4], unpack(ring_set))
    redis.call('PEXPIRE', KEYS[4], 2678400000) -- 31 days: longer than the longest window
  end
end

-- The record changes only with the key: a caller holding this version needs no copy.
local rv = f[25]
out[22] = (rv and rv == ARGV[6]) and '' or (redis.call('GET', KEYS[2]) or '')
out[23] = rv or ''
out[24] = ct_scopes
return out
