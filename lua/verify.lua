--[[ verify.lua: checks a token and charges every limit of its key, all or nothing, in one call.
KEYS[1]  hot hash of the key     {prefix}{tag}:k:<id>  secret hash, status, expiry, scopes, limits, counters
KEYS[2]  public record (JSON)    {prefix}{tag}:m:<id>  returned on success for req.apiKey
KEYS[3]  user rate hash          {prefix}{tag}:u       rate buckets shared by a user's keys (rate_scope "user")
ARGV[1]  SHA-256 of the presented token, base64
ARGV[2]  clock override in microseconds since the epoch, or "" to use Redis TIME
ARGV[3]  cost: credits charged to the quotas, an integer >= 0
ARGV[4]  required scopes, comma-separated, or ""
Returns  { outcome, failed_window, retry_after_ms, then (limit, remaining, reset_ms) for each window
           1 second, 2 minute, 3 total, 4 daily, 5 weekly, 6 monthly (limit -1 = none), record JSON }
outcome: 0 ok, 1 invalid, 2 inactive, 3 expired, 4 insufficient scope, 5 quota exceeded, 6 rate limited
]]

local hot, rec, urate = KEYS[1], KEYS[2], KEYS[3]
local floor = math.floor

local now
if ARGV[2] ~= '' then
  now = tonumber(ARGV[2])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local now_ms = floor(now / 1000)
local now_s = floor(now / 1000000)

-- Rolling windows are rings of sub-buckets: daily 24 x 1 h, weekly 28 x 6 h, monthly 30 x 1 d.
local db, wb, mb = floor(now_s / 3600), floor(now_s / 21600), floor(now_s / 86400)
local dslot, wslot, mslot = 'd' .. (db % 24), 'w' .. (wb % 28), 'm' .. (mb % 30)

local f = redis.call('HMGET', hot, 'h', 'h2', 'h2x', 's', 'x', 'sc', 'ps', 'pb', 'pm', 'qt', 'qd', 'qw',
  'qm', 'qc', 'us', 'tt', 'ts', 'tm', 'db', 'ds', 'wb', 'ws', 'mb', 'ms', dslot, wslot, mslot)

local function num(v) return v and tonumber(v) or -1 end
local function int(n) return string.format('%.0f', n) end

local hash = ARGV[1]
if f[1] ~= hash and not (f[2] == hash and now_ms < num(f[3])) then return { 1 } end
if f[4] ~= '1' then return { 2 } end
if f[5] and now_ms >= tonumber(f[5]) then return { 3 } end

if ARGV[4] ~= '' then
  local have = ',' .. (f[6] or '') .. ','
  for need in string.gmatch(ARGV[4], '[^,]+') do
    local ok = string.find(have, ',' .. need .. ',', 1, true) or string.find(have, ',*,', 1, true)
    if not ok then
      local colon = string.find(need, ':', 1, true)
      while colon and not ok do
        ok = string.find(have, ',' .. string.sub(need, 1, colon) .. '*,', 1, true)
        colon = string.find(need, ':', colon + 1, true)
      end
    end
    if not ok then return { 4 } end
  end
end

local cost = tonumber(ARGV[3])

local out = { 0, 0, 0 }
local sets, dels, reads = {}, {}, {}
-- Windows 1-2 are rates, 3-6 quotas. Report the failure the client must wait longest for:
-- any quota before any rate, then the longest wait (-1 = never resets).
local failed, fail_wait = 0, 0
local function fail(window, wait)
  local worse
  if failed == 0 then
    worse = true
  elseif (window >= 3) ~= (failed >= 3) then
    worse = window >= 3
  else
    worse = fail_wait >= 0 and (wait < 0 or wait > fail_wait)
  end
  if worse then failed, fail_wait = window, wait end
end

-- Quotas: total first, then the three windows.
local qt = num(f[10])
local used_total = tonumber(f[16] or '0')
if qt >= 0 and used_total + cost > qt then fail(3, -1) end

local calendar = f[14] == '1'
local windows = {
  { 4, num(f[11]), 'd', db, 24, 3600, f[19], f[20], f[25] },
  { 5, num(f[12]), 'w', wb, 28, 21600, f[21], f[22], f[26] },
  { 6, num(f[13]), 'm', mb, 30, 86400, f[23], f[24], f[27] },
}

local function month_start_day(y, m)
  if m <= 2 then y = y - 1 end
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  return era * 146097 + yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + floor((153 * mp + 2) / 5) - 719468
end

local function calendar_period(w)
  local day = floor(now_s / 86400)
  if w[3] == 'd' then return day, (day + 1) * 86400000 end
  if w[3] == 'w' then
    local week = floor((day + 3) / 7)
    return week, (week * 7 - 3 + 7) * 86400000
  end
  local z = day + 719468
  local era = floor(z / 146097)
  local doe = z - era * 146097
  local yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  local mp = floor((5 * doy + 2) / 153)
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400 + (m <= 2 and 1 or 0)
  local ny, nm = y, m + 1
  if nm == 13 then ny, nm = y + 1, 1 end
  return y * 12 + m - 1, month_start_day(ny, nm) * 86400000
end

-- First pass: find which ring slots fell out of each rolling window since its last use.
for _, w in ipairs(windows) do
  if w[2] >= 0 then
    local last, sum, cur = tonumber(w[7]), tonumber(w[8] or '0'), tonumber(w[9] or '0')
    if calendar then
      local period, reset = calendar_period(w)
      if last ~= period then sum = 0 end
      w[10], w[11], w[12], w[13] = period, sum, reset, nil
    else
      local b, n = w[4], w[5]
      local first = #reads + 1
      if last and b < last then
        -- The clock stepped back (failover, test clock): stay in the newest bucket.
        b = last
        w[4] = b
        cur = tonumber(redis.call('HGET', hot, w[3] .. (b % n)) or '0')
      end
      if last == nil then
        sum, cur = 0, 0
      elseif b - last >= n then
        for i = 0, n - 1 do dels[#dels + 1] = w[3] .. i end
        sum, cur = 0, 0
      elseif b > last then
        for i = last + 1, b do reads[#reads + 1] = w[3] .. (i % n) end
        cur = 0
      end
      w[10], w[11], w[12], w[13], w[14], w[15] = b, sum, (b + 1) * w[6] * 1000, first, #reads, cur
    end
  end
end

if #reads > 0 then
  local old = redis.call('HMGET', hot, unpack(reads))
  for _, w in ipairs(windows) do
    if w[2] >= 0 and not calendar then
      for i = w[13], w[14] do w[11] = w[11] - tonumber(old[i] or '0') end
    end
  end
end

for _, w in ipairs(windows) do
  if w[2] >= 0 and w[11] + cost > w[2] then fail(w[1], w[12] - now_ms) end
end

-- Rates: GCRA per second (with burst) and per minute, in microseconds.
local ps, pb, pm = num(f[7]), num(f[8]), num(f[9])
local user_scope = f[15] == '1'
local tat_s, tat_m = f[17], f[18]
if user_scope and (ps > 0 or pm > 0) then
  local u = redis.call('HMGET', urate, 'ts', 'tm')
  tat_s, tat_m = u[1], u[2]
end
local new_s, new_m, t_s, t_m
if ps > 0 then
  if pb <= 0 then pb = ps end
  local t = math.ceil(1000000 / ps)
  t_s = t
  new_s = math.max(tonumber(tat_s or '0'), now) + t
  if new_s - now > pb * t then fail(1, math.ceil((new_s - now - pb * t) / 1000)) end
  out[4], out[5], out[6] = pb, floor((pb * t - (new_s - now)) / t), math.ceil((new_s - now) / 1000)
else
  out[4], out[5], out[6] = -1, -1, 0
end
if pm > 0 then
  local t = math.ceil(60000000 / pm)
  t_m = t
  new_m = math.max(tonumber(tat_m or '0'), now) + t
  if new_m - now > pm * t then fail(2, math.ceil((new_m - now - pm * t) / 1000)) end
  out[7], out[8], out[9] = pm, floor((pm * t - (new_m - now)) / t), math.ceil((new_m - now) / 1000)
else
  out[7], out[8], out[9] = -1, -1, 0
end

out[10], out[11], out[12] = qt, qt >= 0 and qt - used_total - cost or -1, -1
for _, w in ipairs(windows) do
  local i = w[1] * 3 + 1
  if w[2] >= 0 then
    out[i], out[i + 1], out[i + 2] = w[2], w[2] - w[11] - cost, w[12] - now_ms
  else
    out[i], out[i + 1], out[i + 2] = -1, -1, 0
  end
end

if failed > 0 then
  -- Nothing is consumed: report what the caller would have had left.
  out[1], out[2], out[3] = failed >= 3 and 5 or 6, failed, fail_wait
  if ps > 0 then out[5], out[6] = math.max(out[5] + 1, 0), math.ceil(math.max(new_s - t_s - now, 0) / 1000) end
  if pm > 0 then out[8], out[9] = math.max(out[8] + 1, 0), math.ceil(math.max(new_m - t_m - now, 0) / 1000) end
  for k = 3, 6 do
    if out[3 * k + 1] >= 0 then out[3 * k + 2] = math.max(out[3 * k + 2] + cost, 0) end
  end
  return out
end

sets[#sets + 1] = 'lu'; sets[#sets + 1] = int(now_ms)
sets[#sets + 1] = 'tt'; sets[#sets + 1] = int(used_total + cost)
for _, w in ipairs(windows) do
  if w[2] >= 0 then
    sets[#sets + 1] = w[3] .. 'b'; sets[#sets + 1] = int(w[10])
    sets[#sets + 1] = w[3] .. 's'; sets[#sets + 1] = int(w[11] + cost)
    if not calendar then
      local slot = w[3] .. (w[4] % w[5])
      sets[#sets + 1] = slot; sets[#sets + 1] = int(w[15] + cost)
      for i = w[13], w[14] do
        if reads[i] ~= slot then dels[#dels + 1] = reads[i] end
      end
    end
  end
end

if user_scope and (new_s or new_m) then
  local u = {}
  if new_s then u[#u + 1] = 'ts'; u[#u + 1] = int(new_s) end
  if new_m then u[#u + 1] = 'tm'; u[#u + 1] = int(new_m) end
  redis.call('HSET', urate, unpack(u))
  redis.call('PEXPIRE', urate, math.ceil((math.max(new_s or 0, new_m or 0) - now) / 1000) + 1000)
else
  if new_s then sets[#sets + 1] = 'ts'; sets[#sets + 1] = int(new_s) end
  if new_m then sets[#sets + 1] = 'tm'; sets[#sets + 1] = int(new_m) end
end

if #dels > 0 then redis.call('HDEL', hot, unpack(dels)) end
redis.call('HSET', hot, unpack(sets))
out[#out + 1] = redis.call('GET', rec) or ''
return out
