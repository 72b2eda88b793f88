--[[ verify.lua: checks tokens and charges every limit of their keys, all or nothing per token.
One call verifies a batch of n tokens (the verifications that reached one process in the same
tick, all in one hash slot on a Cluster), one after the other, as n separate calls would.
For token i (from 1), j = 5 * (i - 1):
KEYS[j+1]  hot hash of the key      {prefix}{tag}:k:<id>  read: `c` (packed config) and `st` (packed counters)
KEYS[j+2]  public record (JSON)     {prefix}{tag}:m:<id>  returned on success for req.apiKey
KEYS[j+3]  user hash                {prefix}{tag}:u       `d`: the user is disabled; rate buckets of rate_scope "user"
KEYS[j+4]  ring hash of the key     {prefix}{tag}:r:<id>  closed sub-buckets of the rolling quota windows
KEYS[j+5]  client tokens of the key {prefix}{tag}:c:<id>  token hash -> "<expires_ms>|<scopes>"
ARGV[1]    clock override in microseconds since the epoch, or "" to use Redis TIME (read once)
ARGV[j+2]  SHA-256 of the presented token, base64
ARGV[j+3]  cost: credits charged to the quotas, an integer >= 0
ARGV[j+4]  required scopes, comma-separated, or ""
ARGV[j+5]  "ct" for a client token (billed to its parent key), else ""
ARGV[j+6]  version of the record JSON the caller holds ("" for none): an equal version skips the GET
Reply      one entry per token: { numbers, record JSON, record version, client token scopes }
           numbers: "outcome,now_ms" when refused before any limit; else "outcome,failed_window,
           retry_after_ms," then "limit,remaining,reset_ms" for windows 1 second, 2 minute, 3 total,
           4 daily, 5 weekly, 6 monthly, 7 yearly (limit -1: none), then now in ms (the store's
           clock, which the resets count from). A rolling quota's reset is when its oldest counted
           credits leave it (refused by it: when it has room for the cost). The other three only on success
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
  -- the UTC year: the next one starts with January (March-based month 10 of the year before it)
  if letter == 'y' then return y, month_day(y + 1, 10) * 86400000 end
  local period = y * 12 + mp
  -- the next month: December (mp 9) is followed by January of the next year
  if mp == 9 then y = y + 1 end
  return period, month_day(y, (mp + 1) % 12) * 86400000
end

local function rank(window) return window == 3 and 8 or window end

-- A refusal before any limit: its outcome and the store's time, the only numbers of its reply.
local function refusal(outcome) return { outcome .. ',' .. int(now_ms) } end

-- The hot hash keeps two packed fields, so that one HMGET of two fields loads a key:
-- `c`, the config (admin writes rebuild it from the named fields): these, joined by '|'.
local CONFIG = { 'h', 's', 'x', 'ps', 'pb', 'pm', 'qt', 'qd', 'qw', 'qm', 'qy', 'qc', 'us', 'rv', 'ui' }
local H, S, X, PS, PB, PM, QT, QD, QW, QM, QY, QC, US, RV, UI = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
local CONFIG_PATTERN = '^' .. string.rep('([^|]*)|', #CONFIG - 1) .. '([^|]*)$'
-- `st`, the state this script writes: these integers, joined by ',' (0 for none).
local STATE = { 'lu', 'tt', 'tn', 'ts', 'tm', 'db', 'ds', 'dc', 'do', 'wb', 'ws', 'wc', 'wo',
  'mb', 'ms', 'mc', 'mo', 'yb', 'ys', 'yc', 'yo' }
local LU, TT, TN, TS, TM = 1, 2, 3, 4, 5
local STATE_PATTERN = '^' .. string.rep('(%-?%d*),', #STATE - 1) .. '(%-?%d*)$'
local STATE_FORMAT = string.rep('%d,', #STATE - 1) .. '%d'

-- A record written before the packed fields: `c` is built from its fields (as admin writes build
-- it) and kept; its counters are read from theirs, and moved into `st` by its next charge.
local function packed_config(hot)
  local f = redis.call('HMGET', hot, unpack(CONFIG))
  if not f[H] then return nil end
  for i = 1, #CONFIG do f[i] = f[i] or '' end
  local c = table.concat(f, '|')
  redis.call('HSET', hot, 'c', c)
  return c
end

local function unpacked_state(hot)
  local f = redis.call('HMGET', hot, unpack(STATE))
  local found = false
  for i = 1, #STATE do
    if f[i] then found = true end
    f[i] = tonumber(f[i]) or 0
  end
  return f, found
end

-- The reply's 25 numbers as one string, formatted in one call.
local NUMBERS = string.rep('%d,', 24) .. '%d'
-- A ring outlives its last write: 31 days, or 371 with yearly buckets (longer than each window).
local RING_TTL, YEARLY_RING_TTL = 2678400000, 32054400000

-- Quota windows. Rolling: rings of sub-buckets (daily 25 x 1 h, weekly 29 x 6 h, monthly 31 x 1 d,
-- yearly 74 x 5 d), so the current bucket and the closed ones before it always cover the window
-- (never over-admits). The hot hash keeps the newest bucket (b), its count (c), the window's running
-- sum (s) and the oldest bucket with a count (o); a bucket moves to the ring only when it closes.
-- Calendar: b is the period (UTC day, ISO week, month, year), s its count.
-- The place of the window's limit in `c`, and of its bucket, sum, count and oldest bucket in `st`.
local WINDOWS = {
  { letter = 'd', slots = 25, size = 3600, index = 4, limit = QD, b = 6, s = 7, c = 8, o = 9 },
  { letter = 'w', slots = 29, size = 21600, index = 5, limit = QW, b = 10, s = 11, c = 12, o = 13 },
  { letter = 'm', slots = 31, size = 86400, index = 6, limit = QM, b = 14, s = 15, c = 16, o = 17 },
  { letter = 'y', slots = 74, size = 432000, index = 7, limit = QY, b = 18, s = 19, c = 20, o = 21 },
}

-- The failure to report, for the token being verified: the one the client must wait longest for.
-- Windows 1-2 are rates, 3-6 quotas: any quota before any rate, then the longest wait (-1 = never),
-- then the longer window (total first).
local failed, fail_wait
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

-- Opens one window of a key at now: its bucket, sum, count and reset (ms), and the ring fields
-- that closed since the last call (appended to ring.read, dropped ones to ring.del).
local function open_window(spec, state, limit, calendar, ring)
  local letter, n = spec.letter, spec.slots
  -- A bucket or period index is never 0 (that would be 1970): 0 means none. Every field is
  -- named at construction (false for none), so the table is sized once.
  local last, oldest = state[spec.b], state[spec.o]
  local w = { spec = spec, limit = limit, last = last ~= 0 and last, sum = state[spec.s],
    count = state[spec.c], bucket = 0, reset = 0, oldest = false,
    stored_oldest = oldest ~= 0 and oldest, first_read = false, last_read = false }
  if calendar then
    w.bucket, w.reset = calendar_period(letter)
    if w.last ~= w.bucket then w.sum = 0 end
    w.count = 0
    return w
  end
  local b = floor(now_ms / (spec.size * 1000))
  if not w.last then
    w.sum, w.count = 0, 0
  elseif b >= w.last + n then
    for i = 0, n - 1 do ring.del[#ring.del + 1] = letter .. i end
    w.sum, w.count = 0, 0
  elseif b > w.last then
    if w.count > 0 then
      ring.set[#ring.set + 1] = letter .. (w.last % n)
      ring.set[#ring.set + 1] = int(w.count)
    end
    w.first_read = #ring.read + 1
    for i = w.last + 1, b do ring.read[#ring.read + 1] = letter .. (i % n) end
    w.last_read = #ring.read
    w.count = 0
  else
    b = w.last -- same bucket, or the clock stepped back: stay in the newest bucket
  end
  w.bucket = b
  return w
end

-- A rolling window's oldest bucket with a count (nil: empty): the stored one while it is still in
-- the window, else found in the ring (at most once per sub-bucket). Its reset is when that bucket
-- leaves the window (now when empty): the usage's reset_time, and Retry-After when it is full.
local function find_oldest(w, ring_key)
  local n, letter = w.spec.slots, w.spec.letter
  local first = w.bucket - n + 1
  if w.sum <= 0 then
    w.oldest = nil
  elseif w.stored_oldest and w.stored_oldest >= first then
    w.oldest = w.stored_oldest
  else
    w.oldest = w.last -- the newest bucket, unless an older one still counts
    local fields = {}
    for j = first, w.last - 1 do fields[#fields + 1] = letter .. (j % n) end
    if #fields > 0 then
      local counts = redis.call('HMGET', ring_key, unpack(fields))
      for i = 1, #fields do
        if (tonumber(counts[i]) or 0) > 0 then w.oldest = first + i - 1; break end
      end
    end
  end
  w.reset = w.oldest and (w.oldest + n) * w.spec.size * 1000 or now_ms
end

-- Rejection only: how long until the window has room for this cost (-1: never). A rolling window
-- gives credit back as its oldest sub-buckets leave: walk them oldest first.
local function wait_for(w, cost, calendar, newest, ring_key)
  if cost > w.limit then return -1 end
  if calendar then return w.reset - now_ms end
  local n, last, letter, size = w.spec.slots, w.last, w.spec.letter, w.spec.size
  local need, fields, closed = w.sum + cost - w.limit, {}, {}
  for j = w.bucket - n + 1, last - 1 do fields[#fields + 1] = letter .. (j % n) end
  if #fields > 0 then closed = redis.call('HMGET', ring_key, unpack(fields)) end
  local freed = 0
  for j = w.bucket - n + 1, last do
    if j == last then freed = freed + newest else freed = freed + (tonumber(closed[j - w.bucket + n]) or 0) end
    if freed >= need then return (j + n) * size * 1000 - now_ms end
  end
  return -1
end

-- GCRA: one request against a bucket of `capacity` refilled `count` times per `period` µs.
-- Returns the new arrival time and the interval; a failure is recorded as `window`.
local function gcra(window, tat, count, period, capacity)
  local interval = ceil(period / count)
  local new_tat = max(tonumber(tat) or 0, now) + interval
  local over = new_tat - now - capacity * interval
  if over > 0 then fail(window, ceil(over / 1000)) end
  return new_tat, interval
end

-- A rate's three reply numbers: limit, remaining, reset (ms until the bucket is full again).
local function rate_reply(out, at, tat, interval, capacity, refused)
  local ahead = tat - now
  local left = floor((capacity * interval - ahead) / interval)
  if refused then
    out[at], out[at + 1], out[at + 2] = capacity, max(left + 1, 0), ceil(max(ahead - interval, 0) / 1000)
  else
    out[at], out[at + 1], out[at + 2] = capacity, left, ceil(ahead / 1000)
  end
end

-- The keys of this call, loaded once each: hot hash name -> { v = config, st = packed state,
-- state = counters, unpacked = read from fields of their own, charged = to be written }.
local loaded, charged_keys = {}, {}
-- Ring fields to read, set and delete for the token being verified: new tables only once used.
local ring = { read = {}, set = {}, del = {} }

-- One token: the steps above, against its key's five Redis keys.
local function verify(hot, record_key, user_key, ring_key, tokens_key, hash, cost, scopes, token_type, held)
  -- Load the key: its packed config and state, once per call (a batch often holds one key many times).
  local key = loaded[hot]
  if not key then
    local packed = redis.call('HMGET', hot, 'c', 'st')
    local c = packed[1] or packed_config(hot)
    if not c then return refusal(INVALID) end
    key = { v = { string.match(c, CONFIG_PATTERN) }, st = packed[2] }
    loaded[hot] = key
  end
  local v = key.v

  -- Authenticate: the key's secret, the previous one within its grace, or a live client token.
  local ct_scopes
  if token_type == 'ct' then
    local ct = redis.call('HGET', tokens_key, hash)
    if not ct then return refusal(INVALID) end
    local bar = string.find(ct, '|', 1, true)
    if now_ms >= tonumber(string.sub(ct, 1, bar - 1)) then return refusal(EXPIRED) end
    ct_scopes = string.sub(ct, bar + 1)
  elseif v[H] ~= hash then
    local old = redis.call('HMGET', hot, 'h2', 'h2x')
    if old[1] ~= hash or now_ms >= (tonumber(old[2]) or 0) then return refusal(INVALID) end
  end

  -- Status (the key's, then its user's disabled flag: none without a user) and expiry.
  if v[S] ~= '1' or v[UI] ~= '0' and redis.call('HEXISTS', user_key, 'd') == 1 then
    return refusal(INACTIVE)
  end
  local expires = tonumber(v[X])
  if expires and now_ms >= expires then return refusal(EXPIRED) end

  -- Scopes: a client token needs them from its own list too.
  if scopes ~= '' then
    local have = ',' .. (redis.call('HGET', hot, 'sc') or '') .. ','
    local own = ct_scopes and ',' .. ct_scopes .. ','
    for need in string.gmatch(scopes, '[^,]+') do
      if not grants(have, need) or (own and not grants(own, need)) then return refusal(SCOPE) end
    end
  end

  -- The counters: from `st`, or, before the packed layout, from their own fields.
  local state = key.state
  if not state then
    if key.st then
      state = { string.match(key.st, STATE_PATTERN) }
      -- Unreadable counters fail the call (503), never reset to 0 (that would over-admit).
      if #state ~= #STATE then error('verify.lua: unreadable st in ' .. hot) end
      for i = 1, #STATE do state[i] = tonumber(state[i]) or 0 end
    else
      state, key.unpacked = unpacked_state(hot)
    end
    key.state = state
  end

  -- Quota windows: the total, then day, week, month and year.
  failed, fail_wait = 0, 0
  local total, used_total = tonumber(v[QT]) or -1, state[TT]
  if total >= 0 and used_total + cost > total then fail(3, -1) end
  local calendar = v[QC] == '1'
  if #ring.read + #ring.set + #ring.del > 0 then ring = { read = {}, set = {}, del = {} } end
  local open = {}
  for i = 1, 4 do
    local spec = WINDOWS[i]
    local limit = tonumber(v[spec.limit])
    if limit then open[#open + 1] = open_window(spec, state, limit, calendar, ring) end
  end
  if #ring.read > 0 then
    -- Buckets that closed since the last call leave the window: one read for all of them.
    local old = redis.call('HMGET', ring_key, unpack(ring.read))
    for _, w in ipairs(open) do
      for i = w.first_read or 1, w.last_read or 0 do w.sum = w.sum - (tonumber(old[i]) or 0) end
    end
  end
  for _, w in ipairs(open) do
    if not calendar then find_oldest(w, ring_key) end
    if w.sum + cost > w.limit then
      local wait = wait_for(w, cost, calendar, state[w.spec.c], ring_key)
      if wait >= 0 then w.reset = now_ms + wait end
      fail(w.spec.index, wait)
    end
  end

  -- Rates: GCRA per second (with burst) and per minute, in microseconds, of the key or its user.
  local ps, pb, pm = tonumber(v[PS]) or -1, tonumber(v[PB]) or -1, tonumber(v[PM]) or -1
  local user_scope = v[US] == '1' and (ps > 0 or pm > 0)
  local tat_s, tat_m = state[TS], state[TM]
  if user_scope then
    local u = redis.call('HMGET', user_key, 'ts', 'tm')
    tat_s, tat_m = u[1], u[2]
  end
  local burst = pb > 0 and pb or ps
  local new_s, t_s, new_m, t_m
  if ps > 0 then new_s, t_s = gcra(1, tat_s, ps, 1000000, burst) end
  if pm > 0 then new_m, t_m = gcra(2, tat_m, pm, 60000000, pm) end

  -- Reply. A refused request is charged nothing: it is told what it would have had left.
  local refused = failed > 0
  local out = { 0, 0, 0, -1, -1, 0, -1, -1, 0, total, -1, -1, -1, -1, 0, -1, -1, 0, -1, -1, 0,
    -1, -1, 0, now_ms }
  if new_s then rate_reply(out, 4, new_s, t_s, burst, refused) end
  if new_m then rate_reply(out, 7, new_m, t_m, pm, refused) end
  local charged = refused and 0 or cost
  if total >= 0 then out[11] = refused and max(total - used_total, 0) or total - used_total - cost end
  for _, w in ipairs(open) do
    if charged > 0 and not calendar and not w.oldest then
      -- an empty window now holds this request's credits, in the current bucket
      w.oldest = w.bucket
      w.reset = (w.bucket + w.spec.slots) * w.spec.size * 1000
    end
    local at = 3 * w.spec.index + 1
    local left = w.limit - w.sum - charged
    out[at], out[at + 1], out[at + 2] = w.limit, refused and max(left, 0) or left, w.reset - now_ms
  end
  if refused then
    out[1], out[2], out[3] = failed >= 3 and QUOTA or RATE, failed, fail_wait
    return { fmt(NUMBERS, unpack(out)) }
  end

  -- Charge: last use, the totals (`tn` counts requests, whatever their cost: Limitly's
  -- totalRequests), every window, the rate buckets; all in `st`, one field written.
  state[LU], state[TT], state[TN] = now_ms, used_total + cost, state[TN] + 1
  for _, w in ipairs(open) do
    local spec = w.spec
    state[spec.b], state[spec.s], state[spec.c] = w.bucket, w.sum + cost, w.count + cost
    state[spec.o] = w.oldest or 0
  end
  if user_scope then
    local u = {}
    if new_s then u[#u + 1] = 'ts'; u[#u + 1] = int(new_s) end
    if new_m then u[#u + 1] = 'tm'; u[#u + 1] = int(new_m) end
    redis.call('HSET', user_key, unpack(u))
    redis.call('PEXPIRE', user_key, int(ceil((max(new_s or 0, new_m or 0) - now) / 1000) + 1000))
  else
    if new_s then state[TS] = new_s end
    if new_m then state[TM] = new_m end
  end
  -- Written once per call, after the last token (see the end of the script).
  if not key.charged then
    key.charged = true
    charged_keys[#charged_keys + 1] = hot
  end

  if #ring.read > 0 or #ring.del > 0 or #ring.set > 0 then
    -- A bucket closed: expired slots leave the ring, the closed bucket enters it.
    for i = 1, #ring.read do ring.del[#ring.del + 1] = ring.read[i] end
    if #ring.del > 0 then redis.call('HDEL', ring_key, unpack(ring.del)) end
    if #ring.set > 0 then
      redis.call('HSET', ring_key, unpack(ring.set))
      -- Longer than the longest window; never shortened, so yearly buckets outlive a daily write.
      local ttl = (not calendar and v[QY] ~= '') and YEARLY_RING_TTL or RING_TTL
      if redis.call('PTTL', ring_key) < ttl then redis.call('PEXPIRE', ring_key, ttl) end
    end
  end

  -- The record changes only with the key: a caller holding this version needs no copy.
  local rv = v[RV]
  local record = (rv ~= '' and rv == held) and '' or (redis.call('GET', record_key) or '')
  return { fmt(NUMBERS, unpack(out)), record, rv, ct_scopes }
end

local replies = {}
for i = 1, #KEYS / 5 do
  local j = 5 * (i - 1)
  replies[i] = verify(KEYS[j + 1], KEYS[j + 2], KEYS[j + 3], KEYS[j + 4], KEYS[j + 5],
    ARGV[j + 2], tonumber(ARGV[j + 3]), ARGV[j + 4], ARGV[j + 5], ARGV[j + 6])
end
for _, hot in ipairs(charged_keys) do
  local key = loaded[hot]
  redis.call('HSET', hot, 'st', fmt(STATE_FORMAT, unpack(key.state)))
  if key.unpacked then redis.call('HDEL', hot, unpack(STATE)) end
end
return replies
