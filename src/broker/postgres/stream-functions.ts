import { lockShardSql, newEpochSql } from "../../postgres/shard-lock-sql.js";
import type { StreamNames } from "./stream-tables.js";

/**
 * The SQL functions of one variant, with Centrifugo's names, parameters and
 * result columns, so an application can publish inside its own transaction
 * (`SELECT * FROM cf_stream_publish('news', '{"text":"hi"}')`) and rotor
 * delivers it exactly when that transaction commits. Every writer takes the
 * channel's shard lock first (see lockShardSql). The NOTIFY payload
 * is the shard number, so a poller wakes the one shard that has work.
 */
export function streamFunctionsSql(n: StreamNames): string {
  const d = n.dataType;
  return `
${lockShardSql(`${n.base}_lock_shard`, n.shardLock)}

CREATE OR REPLACE FUNCTION ${n.base}_publish(
${publishParams(d)}
) RETURNS TABLE (out_result_id BIGINT, out_channel_offset BIGINT, out_epoch TEXT, out_suppressed BOOLEAN, out_suppress_reason TEXT)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_shard SMALLINT;
  v_meta ${n.meta}%ROWTYPE;
  v_ttl INTERVAL;
  v_prev ${d};
  v_offset BIGINT;
  v_id BIGINT;
  v_cached_offset BIGINT;
  v_cached_epoch TEXT;
BEGIN
  v_shard := ${n.base}_lock_shard(p_channel, p_num_shards);
  INSERT INTO ${n.meta} AS m (channel, epoch)
    VALUES (p_channel, ${newEpochSql})
    ON CONFLICT (channel) DO UPDATE SET channel = EXCLUDED.channel
    RETURNING m.* INTO v_meta;
  IF p_idempotency_key IS NOT NULL THEN
    SELECT i.result_offset, i.result_epoch INTO v_cached_offset, v_cached_epoch FROM ${n.idempotency} i
      WHERE i.channel = p_channel AND i.idempotency_key = p_idempotency_key AND i.expires_at > NOW();
    IF FOUND THEN
      RETURN QUERY SELECT NULL::BIGINT, v_cached_offset, v_cached_epoch, TRUE, 'idempotency'::TEXT;
      RETURN;
    END IF;
  END IF;
  IF p_version > 0 AND v_meta.top_version > 0
     AND (COALESCE(p_version_epoch, '') = '' OR p_version_epoch = v_meta.top_version_epoch)
     AND p_version <= v_meta.top_version THEN
    RETURN QUERY SELECT NULL::BIGINT, v_meta.top_offset, v_meta.epoch, TRUE, 'version'::TEXT;
    RETURN;
  END IF;
  IF p_use_delta THEN
    SELECT s.data INTO v_prev FROM ${n.base} s
      WHERE s.channel = p_channel AND s.epoch = v_meta.epoch AND s.kind = 0
      ORDER BY s.channel_offset DESC LIMIT 1;
  END IF;
  v_ttl := GREATEST(COALESCE(p_meta_ttl, INTERVAL '0'), COALESCE(p_history_ttl, INTERVAL '0'));
  UPDATE ${n.meta} m SET
    top_offset = m.top_offset + 1,
    history_ttl = COALESCE(p_history_ttl, m.history_ttl),
    history_size = COALESCE(p_history_size, m.history_size),
    top_version = CASE WHEN p_version > 0 THEN p_version ELSE m.top_version END,
    top_version_epoch = CASE WHEN p_version > 0 THEN COALESCE(p_version_epoch, m.top_version_epoch) ELSE m.top_version_epoch END,
    expires_at = CASE
      WHEN p_meta_ttl < INTERVAL '0' THEN 'infinity'::TIMESTAMPTZ
      WHEN v_ttl = INTERVAL '0' THEN NOW() + INTERVAL '7 days'
      ELSE NOW() + v_ttl END,
    updated_at = NOW()
  WHERE m.channel = p_channel
  RETURNING m.top_offset INTO v_offset;
  INSERT INTO ${n.base} (channel, channel_offset, epoch, kind, data, tags, client_id, user_id, conn_info, chan_info, prev_data, shard_id)
    VALUES (p_channel, v_offset, v_meta.epoch, 0, p_data, p_tags, p_client_id, p_user_id, p_conn_info, p_chan_info, v_prev, v_shard)
    RETURNING id INTO v_id;
  IF p_idempotency_key IS NOT NULL THEN
    INSERT INTO ${n.idempotency} AS i (channel, idempotency_key, result_offset, result_epoch, result_id, expires_at)
      VALUES (p_channel, p_idempotency_key, v_offset, v_meta.epoch, v_id, NOW() + COALESCE(p_idempotency_ttl, INTERVAL '5 minutes'))
      ON CONFLICT (channel, idempotency_key) DO UPDATE SET
        result_offset = EXCLUDED.result_offset, result_epoch = EXCLUDED.result_epoch,
        result_id = EXCLUDED.result_id, expires_at = EXCLUDED.expires_at
      WHERE i.expires_at <= NOW();
  END IF;
  PERFORM pg_notify('${n.notify}', v_shard::text);
  RETURN QUERY SELECT v_id, v_offset, v_meta.epoch, FALSE, NULL::TEXT;
END
$fn$;

CREATE OR REPLACE FUNCTION ${n.base}_publish_strict(
${publishParams(d)}
) RETURNS TABLE (out_result_id BIGINT, out_channel_offset BIGINT, out_epoch TEXT)
LANGUAGE plpgsql AS $fn$
DECLARE
  r RECORD;
BEGIN
  SELECT * INTO r FROM ${n.base}_publish(p_channel, p_data, p_tags, p_history_ttl, p_history_size, p_meta_ttl,
    p_version, p_version_epoch, p_idempotency_key, p_idempotency_ttl, p_use_delta, p_client_id, p_user_id,
    p_conn_info, p_chan_info, p_num_shards);
  IF r.out_suppressed THEN
    RAISE EXCEPTION 'publish suppressed: %', r.out_suppress_reason;
  END IF;
  RETURN QUERY SELECT r.out_result_id, r.out_channel_offset, r.out_epoch;
END
$fn$;

${presenceEventSql(n, "join", 1)}
${presenceEventSql(n, "leave", 2)}

CREATE OR REPLACE FUNCTION ${n.base}_remove_history(p_channel TEXT, p_num_shards INTEGER DEFAULT NULL)
RETURNS VOID LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM ${n.base}_lock_shard(p_channel, p_num_shards);
  DELETE FROM ${n.base} WHERE channel = p_channel AND kind = 0;
END
$fn$;

CREATE OR REPLACE FUNCTION ${n.base}_top_position(p_channel TEXT)
RETURNS TABLE (out_top_offset BIGINT, out_epoch TEXT) LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY SELECT m.top_offset, m.epoch FROM ${n.meta} m WHERE m.channel = p_channel;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 0::BIGINT, ''::TEXT;
  END IF;
END
$fn$;
`;
}

/** The parameters of `<base>_publish` and `_publish_strict`, Centrifugo's names and order. */
function publishParams(d: StreamNames["dataType"]): string {
  return `  p_channel TEXT,
  p_data ${d} DEFAULT NULL,
  p_tags JSONB DEFAULT NULL,
  p_history_ttl INTERVAL DEFAULT NULL,
  p_history_size INTEGER DEFAULT NULL,
  p_meta_ttl INTERVAL DEFAULT NULL,
  p_version BIGINT DEFAULT NULL,
  p_version_epoch TEXT DEFAULT NULL,
  p_idempotency_key TEXT DEFAULT NULL,
  p_idempotency_ttl INTERVAL DEFAULT NULL,
  p_use_delta BOOLEAN DEFAULT FALSE,
  p_client_id TEXT DEFAULT NULL,
  p_user_id TEXT DEFAULT NULL,
  p_conn_info ${d} DEFAULT NULL,
  p_chan_info ${d} DEFAULT NULL,
  p_num_shards INTEGER DEFAULT NULL`;
}

/** `<base>_publish_join` / `_leave`: a row of that kind, no offset, no epoch, the channel's meta untouched. */
function presenceEventSql(n: StreamNames, name: "join" | "leave", kind: number): string {
  const d = n.dataType;
  return `
CREATE OR REPLACE FUNCTION ${n.base}_publish_${name}(
  p_channel TEXT,
  p_client_id TEXT DEFAULT NULL,
  p_user_id TEXT DEFAULT NULL,
  p_conn_info ${d} DEFAULT NULL,
  p_chan_info ${d} DEFAULT NULL,
  p_num_shards INTEGER DEFAULT NULL
) RETURNS BIGINT LANGUAGE plpgsql AS $fn$
DECLARE
  v_shard SMALLINT;
  v_id BIGINT;
BEGIN
  v_shard := ${n.base}_lock_shard(p_channel, p_num_shards);
  INSERT INTO ${n.base} (channel, channel_offset, epoch, kind, client_id, user_id, conn_info, chan_info, shard_id)
    VALUES (p_channel, 0, '', ${kind}, p_client_id, p_user_id, p_conn_info, p_chan_info, v_shard)
    RETURNING id INTO v_id;
  PERFORM pg_notify('${n.notify}', v_shard::text);
  RETURN v_id;
END
$fn$;`;
}
