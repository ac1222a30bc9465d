import { LuaScript } from "../../redis/lua-script.js";

/**
 * Appends a publication to the channel stream and publishes it, atomically.
 * Same KEYS / ARGV as Centrifugo's broker_history_add_stream, and the same
 * step order (idempotency, then epoch, then version check, counter before
 * XADD, stream dropped when the counter restarts at 1). The two flags of the
 * reply are integers, not Centrifugo's "0"/"1" strings: a reader gets
 * numbers, not two byte buffers per publish.
 * KEYS: stream, meta, result.
 * ARGV: 1 payload, 2 maxlen, 3 stream ttl s, 4 PUB/SUB channel ("" = none),
 * 5 meta ttl s ("0" = none), 6 candidate epoch, 7 publish command,
 * 8 result ttl s ("" = no idempotency), 9 "1" = delta, 10 version ("0" = none),
 * 11 version epoch.
 * Reply: {offset, epoch, 1 if idempotent hit else 0, 1 if version-suppressed else 0}.
 */
export const historyAddStream = new LuaScript(
  `
if ARGV[8] ~= '' then
  local cached = redis.call('hmget', KEYS[3], 'e', 's')
  if cached[1] then
    return {cached[2], cached[1], 1, 0}
  end
end
local epoch = redis.call('hget', KEYS[2], 'e')
if not epoch then
  epoch = ARGV[6]
  redis.call('hset', KEYS[2], 'e', epoch)
end
if ARGV[10] ~= '0' then
  local meta = redis.call('hmget', KEYS[2], 'v', 've', 's')
  if meta[1] and (ARGV[11] == '' or ARGV[11] == meta[2]) and tonumber(meta[1]) >= tonumber(ARGV[10]) then
    return {meta[3] or '0', epoch, 0, 1}
  end
  redis.call('hset', KEYS[2], 'v', ARGV[10], 've', ARGV[11])
end
local top = redis.call('hincrby', KEYS[2], 's', 1)
if ARGV[5] ~= '0' then
  redis.call('expire', KEYS[2], ARGV[5])
end
local prev = ''
if ARGV[9] == '1' and top ~= 1 then
  local last = redis.call('xrevrange', KEYS[1], '+', '-', 'COUNT', 1)
  if last[1] then
    prev = last[1][2][2]
  end
end
if top == 1 then
  redis.call('del', KEYS[1])
end
redis.call('xadd', KEYS[1], 'MAXLEN', ARGV[2], top .. '-0', 'd', ARGV[1])
redis.call('expire', KEYS[1], ARGV[3])
if ARGV[4] ~= '' then
  local message
  if ARGV[9] == '1' then
    message = '__d1:' .. top .. ':' .. epoch .. ':' .. #prev .. ':' .. prev .. ':' .. #ARGV[1] .. ':' .. ARGV[1]
  else
    message = '__p1:' .. top .. ':' .. epoch .. '__' .. ARGV[1]
  end
  redis.call(ARGV[7], ARGV[4], message)
end
if ARGV[8] ~= '' then
  redis.call('hset', KEYS[3], 'e', epoch, 's', top)
  redis.call('expire', KEYS[3], ARGV[8])
end
return {top, epoch, 0, 0}
`,
  3,
);

/**
 * Reads a channel stream: its top and epoch (creating the epoch when the
 * stream has none, so a reader and a later writer agree), and optionally
 * publications. Same contract as Centrifugo's broker_history_stream.
 * KEYS: stream, meta. ARGV: 1 include publications ("0"/"1"), 2 start offset
 * ("0" = from the start, or the top when reversed), 3 limit ("0" = all),
 * 4 reverse ("0"/"1"), 5 meta ttl s ("0" = none), 6 candidate epoch.
 * Reply: {top, epoch, entries?}.
 */
export const historyStream = new LuaScript(
  `
local meta = redis.call('hmget', KEYS[2], 'e', 's')
local epoch = meta[1]
local top = meta[2]
if not epoch then
  epoch = ARGV[6]
  top = 0
  redis.call('hset', KEYS[2], 'e', epoch)
end
if not top then
  top = 0
end
if ARGV[5] ~= '0' then
  redis.call('expire', KEYS[2], ARGV[5])
end
if ARGV[1] == '0' then
  return {top, epoch}
end
local entries
if ARGV[4] == '1' then
  local from = ARGV[2]
  if from == '0' then
    from = top
  end
  if ARGV[3] ~= '0' then
    entries = redis.call('xrevrange', KEYS[1], from, '-', 'COUNT', ARGV[3])
  else
    entries = redis.call('xrevrange', KEYS[1], from, '-')
  end
else
  if ARGV[3] ~= '0' then
    entries = redis.call('xrange', KEYS[1], ARGV[2], '+', 'COUNT', ARGV[3])
  else
    entries = redis.call('xrange', KEYS[1], ARGV[2], '+')
  end
end
return {top, epoch, entries}
`,
  2,
);

/**
 * Publishes without history but remembers the idempotency key, like
 * Centrifugo's broker_publish_idempotent.
 * KEYS: result. ARGV: 1 payload, 2 PUB/SUB channel, 3 publish command, 4 result ttl s.
 * Reply: {offset, epoch} on a repeat, else the PUBLISH reply.
 */
export const publishIdempotent = new LuaScript(
  `
local cached = redis.call('hmget', KEYS[1], 'e', 's')
if cached[1] then
  return {cached[2], cached[1]}
end
local n = 0
if ARGV[2] ~= '' then
  n = redis.call(ARGV[3], ARGV[2], ARGV[1])
end
redis.call('hset', KEYS[1], 'e', '')
redis.call('expire', KEYS[1], ARGV[4])
return n
`,
  1,
);
