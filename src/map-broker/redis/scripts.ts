import { LuaScript } from "../../redis/lua-script.js";

/**
 * Sets the channel's cleanup registration to its earliest key expiry, or
 * drops it when no key expires. Every script that moves an expiry calls it,
 * so a registration is never earlier than a real expiry and the cleanup
 * worker never revisits a channel with nothing due.
 * KEYS[5] = expiry index, KEYS[7] = registration; `channel` its member.
 */
const settleRegistration = `
local function settle(channel)
  local first = redis.call('zrange', KEYS[5], 0, 0, 'WITHSCORES')
  if first[1] then
    redis.call('zadd', KEYS[7], first[2], channel)
  else
    redis.call('zrem', KEYS[7], channel)
  end
end
`;

/** The raw field-7 (tags) records of a stored `<offset>:<epoch>:<Publication>` value. */
const storedTags = `
local function varint(s, i)
  local value, mult = 0, 1
  while true do
    local b = string.byte(s, i)
    if not b then return nil, i end
    i = i + 1
    value = value + (b % 128) * mult
    if b < 128 then return value, i end
    mult = mult * 128
  end
end
local function tagsOf(stored)
  local s1 = string.find(stored, ':', 1, true)
  local s2 = s1 and string.find(stored, ':', s1 + 1, true)
  if not s2 then return '' end
  local out, i, n = {}, s2 + 1, #stored
  while i <= n do
    local start = i
    local tag
    tag, i = varint(stored, i)
    if not tag then break end
    local wire = tag % 8
    if wire == 0 then
      local v
      v, i = varint(stored, i)
      if not v then break end
    elseif wire == 2 then
      local len
      len, i = varint(stored, i)
      if not len then break end
      i = i + len
    elseif wire == 1 then
      i = i + 8
    elseif wire == 5 then
      i = i + 4
    else
      break
    end
    if math.floor(tag / 8) == 7 then out[#out + 1] = string.sub(stored, start, i - 1) end
  end
  return table.concat(out)
end
`;

/**
 * Writes or removes one key, atomically, with the step order of Centrifugo's
 * map_broker_add script: idempotency, epoch (created if missing), stale-state
 * wipe, version, key mode / existence, offset, state, expiry index, state
 * meta, stream (dropped when the offset restarts at 1), PUBLISH, idempotency
 * result. Differences, all invisible to Centrifugo nodes sharing the Redis:
 * key_mode also holds in ephemeral mode; a removal without caller tags
 * carries the key's stored tags (their protobuf records prepended, which
 * keeps fields in number order); the registration follows the earliest
 * expiry exactly (§1.9 of the parity notes) instead of only moving earlier.
 * KEYS: stream, meta, state, order, expire, state meta, registration, result.
 * ARGV: 1 "publish"|"remove", 2 key, 3 payload, 4 stream mode "1"/"0",
 * 5 stream size, 6 stream ttl ms ("0" none), 7 meta ttl ms ("0" none), 8 fresh epoch,
 * 9 PUB/SUB channel ("" none), 10 result ttl ms ("0" = no idempotency),
 * 11 delta "1"/"0", 12 version ("0" none), 13 version epoch, 14 key mode,
 * 15 refresh ttl on suppress "1"/"0", 16 key ttl ms ("0" none), 17 now ms,
 * 18 channel, 19 prepend stored tags "1"/"0".
 * Reply: {offset, epoch, suppress reason or ""}.
 */
export const mapUpdate = new LuaScript(
  `${settleRegistration}${storedTags}
local op, key, payload = ARGV[1], ARGV[2], ARGV[3]
local streamMode = ARGV[4] == '1'
local metaTtl = tonumber(ARGV[7])
local keyTtl = tonumber(ARGV[16])
local now = tonumber(ARGV[17])
local channel = ARGV[18]
if ARGV[10] ~= '0' then
  local cached = redis.call('hmget', KEYS[8], 'e', 's')
  if cached[1] then
    return {cached[2] or '0', cached[1], 'idempotency'}
  end
end
local epoch = ARGV[8]
local function top()
  if streamMode then
    return redis.call('hget', KEYS[2], 's') or '0'
  end
  return '0'
end
if streamMode then
  epoch = redis.call('hget', KEYS[2], 'e')
  if not epoch then
    epoch = ARGV[8]
    redis.call('hset', KEYS[2], 'e', epoch)
  end
  if redis.call('exists', KEYS[3]) == 1 and redis.call('hget', KEYS[6], 'epoch') ~= epoch then
    redis.call('del', KEYS[3], KEYS[4], KEYS[5], KEYS[6])
    redis.call('zrem', KEYS[7], channel)
  end
  if op == 'publish' and ARGV[12] ~= '0' then
    local v = redis.call('hmget', KEYS[6], 'v:' .. key, 've:' .. key)
    if v[1] and (ARGV[13] == '' or ARGV[13] == v[2]) and tonumber(v[1]) >= tonumber(ARGV[12]) then
      return {top(), epoch, 'version'}
    end
  end
end
local stored = redis.call('hget', KEYS[3], key)
if op == 'publish' then
  if ARGV[14] == 'if_new' and stored then
    if ARGV[15] == '1' and keyTtl > 0 then
      redis.call('zadd', KEYS[5], now + keyTtl, key)
      settle(channel)
      if metaTtl > 0 then
        redis.call('pexpire', KEYS[5], metaTtl)
        redis.call('pexpire', KEYS[3], metaTtl)
        if streamMode then redis.call('pexpire', KEYS[2], metaTtl) end
      end
      if streamMode and ARGV[6] ~= '0' then redis.call('pexpire', KEYS[1], ARGV[6]) end
    end
    return {top(), epoch, 'key_exists'}
  end
  if ARGV[14] == 'if_exists' and not stored then
    return {top(), epoch, 'key_not_found'}
  end
elseif not stored then
  return {top(), epoch, 'key_not_found'}
end
local offset = 0
if streamMode then
  offset = redis.call('hincrby', KEYS[2], 's', 1)
  if metaTtl > 0 then redis.call('pexpire', KEYS[2], metaTtl) end
  if op == 'publish' and ARGV[12] ~= '0' then
    redis.call('hset', KEYS[6], 'v:' .. key, ARGV[12], 've:' .. key, ARGV[13])
  end
end
if op == 'publish' then
  redis.call('hset', KEYS[3], key, offset .. ':' .. epoch .. ':' .. payload)
  if keyTtl > 0 then
    redis.call('zadd', KEYS[5], now + keyTtl, key)
    settle(channel)
  end
  if metaTtl > 0 then
    redis.call('pexpire', KEYS[5], metaTtl)
    redis.call('pexpire', KEYS[3], metaTtl)
  end
else
  if ARGV[19] == '1' then payload = tagsOf(stored) .. payload end
  redis.call('hdel', KEYS[3], key)
  redis.call('zrem', KEYS[4], key)
  if redis.call('zrem', KEYS[5], key) == 1 then settle(channel) end
  redis.call('hdel', KEYS[6], 'v:' .. key, 've:' .. key)
end
if streamMode then
  redis.call('hset', KEYS[6], 'epoch', epoch, 'updated_at', ARGV[17])
  if metaTtl > 0 then redis.call('pexpire', KEYS[6], metaTtl) end
  if offset == 1 then redis.call('del', KEYS[1]) end
  redis.call('xadd', KEYS[1], 'MAXLEN', '~', ARGV[5], offset .. '-0', 'e', epoch, 'd', payload)
  if ARGV[6] ~= '0' then redis.call('pexpire', KEYS[1], ARGV[6]) end
end
if ARGV[9] ~= '' then
  local message = offset .. ':' .. epoch .. ':' .. payload
  if op == 'publish' and ARGV[11] == '1' and stored then
    message = 'd:' .. offset .. ':' .. epoch .. ':' .. #stored .. ':' .. stored .. ':' .. #payload .. ':' .. payload
  end
  redis.call('publish', ARGV[9], message)
end
if ARGV[10] ~= '0' then
  redis.call('hset', KEYS[8], 'e', epoch, 's', offset)
  redis.call('pexpire', KEYS[8], ARGV[10])
end
return {offset, epoch, ''}
`,
  8,
);

/**
 * Finds up to `batch` keys whose expiry is due (read only).
 * KEYS: expire, state. ARGV: 1 now ms, 2 batch size.
 * Reply: flat {key, stored value or "", expiry score, ...}.
 */
export const mapFindExpired = new LuaScript(
  `
local keys = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local out = {}
for _, key in ipairs(keys) do
  local score = redis.call('zscore', KEYS[1], key)
  if score and tonumber(score) <= tonumber(ARGV[1]) then
    out[#out + 1] = key
    out[#out + 1] = redis.call('hget', KEYS[2], key) or ''
    out[#out + 1] = score
  end
end
return out
`,
  2,
);

/**
 * Removes expired keys found by mapFindExpired, each only if its expiry is
 * still the one found (so of several nodes cleaning at once exactly one
 * removes it, and a key refreshed meanwhile stays), appending and publishing
 * a removal for each; then settles the channel's registration (also when
 * nothing was removed: that is what keeps the worker from revisiting it).
 * KEYS: stream, meta, state, order, expire, state meta, registration.
 * ARGV: 1 stream mode, 2 stream size, 3 stream ttl ms ("0" none), 4 meta ttl ms,
 * 5 epoch if none, 6 PUB/SUB channel ("" none), 7 channel, then
 * {key, expiry score, removal payload} triples.
 * Reply: {removed count, last offset, epoch}.
 */
export const mapRemoveExpired = new LuaScript(
  `${settleRegistration}
local streamMode = ARGV[1] == '1'
local metaTtl = tonumber(ARGV[4])
local epoch = ARGV[5]
local offset = 0
local removed = 0
if streamMode and #ARGV >= 8 then
  epoch = redis.call('hget', KEYS[2], 'e')
  if not epoch then
    epoch = ARGV[5]
    redis.call('hset', KEYS[2], 'e', epoch)
  end
end
for i = 8, #ARGV, 3 do
  local key, score, payload = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local current = redis.call('zscore', KEYS[5], key)
  if current and tonumber(current) == tonumber(score) then
    if streamMode then
      offset = redis.call('hincrby', KEYS[2], 's', 1)
      if metaTtl > 0 then redis.call('pexpire', KEYS[2], metaTtl) end
      if offset == 1 then redis.call('del', KEYS[1]) end
      redis.call('xadd', KEYS[1], 'MAXLEN', '~', ARGV[2], offset .. '-0', 'e', epoch, 'd', payload)
      if ARGV[3] ~= '0' then redis.call('pexpire', KEYS[1], ARGV[3]) end
    end
    if ARGV[6] ~= '' then
      redis.call('publish', ARGV[6], offset .. ':' .. epoch .. ':' .. payload)
    end
    redis.call('hdel', KEYS[3], key)
    redis.call('zrem', KEYS[4], key)
    redis.call('zrem', KEYS[5], key)
    redis.call('hdel', KEYS[6], 'v:' .. key, 've:' .. key)
    removed = removed + 1
  end
end
settle(ARGV[7])
return {removed, offset, epoch}
`,
  7,
);

/**
 * Reads a page of state with the channel's position. Stream modes read (and
 * create) the epoch first and hide state written in another epoch.
 * KEYS: meta, state, state meta, expire. ARGV: 1 stream mode, 2 cursor,
 * 3 count ("0" = all), 4 meta ttl ms, 5 epoch if none.
 * Reply: {offset, epoch, next cursor ("0" = last page), flat key/value list}.
 */
export const mapReadState = new LuaScript(
  `
local offset, epoch = '0', ''
local metaTtl = tonumber(ARGV[4])
if ARGV[1] == '1' then
  local meta = redis.call('hmget', KEYS[1], 'e', 's')
  epoch = meta[1]
  offset = meta[2] or '0'
  if not epoch then
    epoch = ARGV[5]
    redis.call('hset', KEYS[1], 'e', epoch)
  end
  if metaTtl > 0 then redis.call('pexpire', KEYS[1], metaTtl) end
  if redis.call('hget', KEYS[3], 'epoch') ~= epoch then
    return {offset, epoch, '0', {}}
  end
end
if metaTtl > 0 then
  redis.call('pexpire', KEYS[2], metaTtl)
  redis.call('pexpire', KEYS[4], metaTtl)
  redis.call('pexpire', KEYS[3], metaTtl)
end
if ARGV[3] == '0' then
  return {offset, epoch, '0', redis.call('hgetall', KEYS[2])}
end
local page = redis.call('hscan', KEYS[2], ARGV[2], 'COUNT', ARGV[3])
return {offset, epoch, page[1], page[2]}
`,
  4,
);

/**
 * Reads the stream's position and optionally changes. A channel without an
 * epoch gets one, and any stream left from a forgotten epoch is dropped.
 * KEYS: stream, meta. ARGV: 1 include changes "0"/"1", 2 start offset ("0" =
 * from the start, or the top when reversed), 3 count ("0" = all), 4 reverse
 * "0"/"1", 5 meta ttl ms ("0" none), 6 epoch if none.
 * Reply: {top, epoch, entries?}.
 */
export const mapReadStream = new LuaScript(
  `
local meta = redis.call('hmget', KEYS[2], 'e', 's')
local epoch, top = meta[1], meta[2] or '0'
if not epoch then
  epoch = ARGV[6]
  top = '0'
  redis.call('hset', KEYS[2], 'e', epoch)
  redis.call('del', KEYS[1])
end
if ARGV[5] ~= '0' then redis.call('pexpire', KEYS[2], ARGV[5]) end
if ARGV[1] == '0' then return {top, epoch} end
local entries
if ARGV[4] == '1' then
  local from = ARGV[2]
  if from == '0' then from = '+' end
  if ARGV[3] ~= '0' then
    entries = redis.call('xrevrange', KEYS[1], from, '-', 'COUNT', ARGV[3])
  else
    entries = redis.call('xrevrange', KEYS[1], from, '-')
  end
else
  local from = ARGV[2]
  if from == '0' then from = '-' end
  if ARGV[3] ~= '0' then
    entries = redis.call('xrange', KEYS[1], from, '+', 'COUNT', ARGV[3])
  else
    entries = redis.call('xrange', KEYS[1], from, '+')
  end
end
return {top, epoch, entries}
`,
  2,
);
