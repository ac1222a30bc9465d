/**
 * `<fn>(p_channel, p_num_shards)`: locks the channel's row of the shard lock
 * table until the transaction ends and returns the shard,
 * `abs(hashtext(channel)) % shards` as Centrifugo computes it (NULL shards:
 * the table's row count, what an application's own SQL gets). Every writer
 * of an outbox takes it before its row gets an id, so ids of one shard
 * become visible in increasing order and pollers can read `id > cursor`.
 */
export function lockShardSql(fn: string, shardLock: string): string {
  return `
CREATE OR REPLACE FUNCTION ${fn}(p_channel TEXT, p_num_shards INTEGER)
RETURNS SMALLINT LANGUAGE plpgsql AS $fn$
DECLARE
  v_shards INTEGER := p_num_shards;
  v_shard SMALLINT;
BEGIN
  IF v_shards IS NULL OR v_shards <= 0 THEN
    SELECT count(*) INTO v_shards FROM ${shardLock};
  END IF;
  IF v_shards <= 0 THEN
    RAISE EXCEPTION 'shard_lock table is empty — run EnsureSchema first';
  END IF;
  v_shard := abs(hashtext(p_channel)::bigint) % v_shards;
  PERFORM 1 FROM ${shardLock} WHERE shard_id = v_shard FOR UPDATE;
  RETURN v_shard;
END
$fn$;`;
}

/** A random 8-hex-digit epoch, as Centrifugo's SQL makes them. */
export const newEpochSql = "substr(md5(random()::text || clock_timestamp()::text), 1, 8)";
