import { LuaScript } from "../../redis/lua-script.js";

/*
 * Centrifugo's presence scripts (KEYS / ARGV contract kept; sorted-set
 * expiry, no per-field TTL). KEYS: 1 expire zset, 2 data hash, 3 user zset,
 * 4 user hash.
 */

/**
 * Adds or refreshes one connection. ARGV: 1 ttl s, 2 expire-at, 3 client id,
 * 4 ClientInfo, 5 user id, 6 user mapping ("0"/"1"), 7 per-field ttl ("0").
 */
export const presenceAdd = new LuaScript(
  `
local new = false
if ARGV[6] == '1' then
  new = redis.call('hexists', KEYS[2], ARGV[3]) == 0
end
redis.call('hset', KEYS[2], ARGV[3], ARGV[4])
redis.call('expire', KEYS[2], ARGV[1])
redis.call('zadd', KEYS[1], ARGV[2], ARGV[3])
redis.call('expire', KEYS[1], ARGV[1])
if ARGV[6] == '1' then
  if new then
    redis.call('hincrby', KEYS[4], ARGV[5], 1)
  end
  redis.call('expire', KEYS[4], ARGV[1])
  redis.call('zadd', KEYS[3], ARGV[2], ARGV[5])
  redis.call('expire', KEYS[3], ARGV[1])
end
`,
  4,
);

/** Removes one connection. ARGV: 1 client id, 2 user id, 3 user mapping, 4 per-field ttl ("0"). */
export const presenceRemove = new LuaScript(
  `
local existed = 0
if ARGV[3] == '1' then
  existed = redis.call('hexists', KEYS[2], ARGV[1])
end
redis.call('hdel', KEYS[2], ARGV[1])
redis.call('zrem', KEYS[1], ARGV[1])
if ARGV[3] == '1' and existed == 1 then
  local left = redis.call('hincrby', KEYS[4], ARGV[2], -1)
  if left <= 0 then
    redis.call('zrem', KEYS[3], ARGV[2])
    redis.call('hdel', KEYS[4], ARGV[2])
  end
end
`,
  4,
);

/** Drops expired entries, then answers the data hash. KEYS: 1 zset, 2 hash. ARGV: 1 now s, 2 per-field ttl ("0"). */
export const presenceGet = new LuaScript(
  `
local expired = redis.call('zrangebyscore', KEYS[1], '0', ARGV[1])
for i = 1, #expired do
  redis.call('hdel', KEYS[2], expired[i])
end
redis.call('zremrangebyscore', KEYS[1], '0', ARGV[1])
return redis.call('hgetall', KEYS[2])
`,
  2,
);

/** With user mapping: drops expired clients and users, answers {clients, users}. ARGV: 1 now s, 2 per-field ttl ("0"). */
export const presenceStats = new LuaScript(
  `
local expired = redis.call('zrangebyscore', KEYS[1], '0', ARGV[1])
for i = 1, #expired do
  redis.call('hdel', KEYS[2], expired[i])
end
redis.call('zremrangebyscore', KEYS[1], '0', ARGV[1])
local gone = redis.call('zrangebyscore', KEYS[3], '0', ARGV[1])
for i = 1, #gone do
  redis.call('hdel', KEYS[4], gone[i])
end
redis.call('zremrangebyscore', KEYS[3], '0', ARGV[1])
return {redis.call('hlen', KEYS[2]), redis.call('hlen', KEYS[4])}
`,
  4,
);
