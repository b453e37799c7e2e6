// The Lua scripts of the Redis meter store. Windows come from `redis.call('TIME')`, the Redis
// server's clock, never the gateway's: replicas whose clocks disagree still agree on which window
// a request falls in, because only one clock decides. (Since Redis 5, scripts replicate their
// effects, so calling TIME before writing is allowed.)
//
// The keys a script touches depend on that clock, so they cannot be declared in KEYS: the store
// targets a standalone Redis (or a Sentinel-managed primary), not Redis Cluster.

/** Seconds after a window's end that its key lives on, for late readers. */
export const EXPIRY_SLACK_MS = 60_000;

/**
 * `bounds(window, sec)` → window start and end in seconds since the epoch, calendar-aligned in UTC.
 * Month arithmetic follows H. Hinnant's days_from_civil / civil_from_days (Redis Lua has no os.date).
 */
export const LUA_WINDOWS = `
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end
local function civil_from_days(z)
  z = z + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)
  yoe = math.floor(yoe / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m
end
local function bounds(window, sec)
  if window == 'minute' then return sec - sec % 60, sec - sec % 60 + 60 end
  if window == 'hour' then return sec - sec % 3600, sec - sec % 3600 + 3600 end
  if window == 'day' then return sec - sec % 86400, sec - sec % 86400 + 86400 end
  if window ~= 'month' then error('unknown window ' .. tostring(window)) end
  local y, m = civil_from_days(math.floor(sec / 86400))
  local ny, nm = y, m + 1
  if nm == 13 then ny, nm = y + 1, 1 end
  return days_from_civil(y, m, 1) * 86400, days_from_civil(ny, nm, 1) * 86400
end
local time = redis.call('TIME')
local sec = tonumber(time[1])
local now_ms = sec * 1000 + math.floor(tonumber(time[2]) / 1000)
local function key_of(counter, window)
  local s, e = bounds(window, sec)
  return 'rrc:meter:' .. counter .. ':' .. window .. ':' .. string.format('%d', s), s, e
end
`;

/**
 * Check-all-then-increment-all.
 *
 * ARGV: n, then n groups of (counter, window, limit, increment): `counter` is
 * `{proxy}:{meter}:{credential|*}`, `window` minute|hour|day|month, `limit` a number or -1 for
 * counting-only, `increment` 1 for request meters or 0 for value meters (checked for `used < limit`,
 * never written).
 *
 * Reply: { admitted (1|0), now_ms, then per counter: used (string; after the increment when admitted),
 * window start (s), window end (s) }. When admitted, every counter with an increment was raised with
 * INCRBYFLOAT and given PEXPIREAT at its window end + slack; when not, nothing was written.
 */
export const LUA_TAKE = `${LUA_WINDOWS}
local n = tonumber(ARGV[1])
local keys, used, starts, ends, incs = {}, {}, {}, {}, {}
local admitted = 1
for i = 1, n do
  local o = 1 + (i - 1) * 4
  local limit = tonumber(ARGV[o + 3])
  incs[i] = tonumber(ARGV[o + 4])
  keys[i], starts[i], ends[i] = key_of(ARGV[o + 1], ARGV[o + 2])
  used[i] = redis.call('GET', keys[i]) or '0'
  if limit >= 0 then
    local u = tonumber(used[i])
    if (incs[i] > 0 and u + incs[i] > limit) or (incs[i] <= 0 and u >= limit) then admitted = 0 end
  end
end
local reply = { admitted, now_ms }
for i = 1, n do
  if admitted == 1 and incs[i] > 0 then
    used[i] = redis.call('INCRBYFLOAT', keys[i], incs[i])
    redis.call('PEXPIREAT', keys[i], ends[i] * 1000 + ${EXPIRY_SLACK_MS})
  end
  reply[#reply + 1] = used[i]
  reply[#reply + 1] = starts[i]
  reply[#reply + 1] = ends[i]
end
return reply
`;

/**
 * Value-meter settlement. ARGV: n, then n groups of (counter, window, amount). Adds each amount to its
 * counter's current window (server clock) and sets the same expiry as LUA_TAKE. Reply: n.
 */
export const LUA_ADD = `${LUA_WINDOWS}
local n = tonumber(ARGV[1])
for i = 1, n do
  local o = 1 + (i - 1) * 3
  local key, _, e = key_of(ARGV[o + 1], ARGV[o + 2])
  redis.call('INCRBYFLOAT', key, ARGV[o + 3])
  redis.call('PEXPIREAT', key, e * 1000 + ${EXPIRY_SLACK_MS})
end
return n
`;
