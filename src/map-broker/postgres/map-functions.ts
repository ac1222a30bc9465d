import { lockShardSql, newEpochSql } from "../../postgres/shard-lock-sql.js";
import type { MapNames } from "./map-tables.js";

/**
 * The SQL functions of one map variant, with Centrifugo's names, parameters
 * (names, order, defaults) and result columns: `_publish` / `_publish_strict`,
 * `_remove` / `_remove_strict` and `_expire_keys`, so an application can
 * write map keys inside its own transaction and a Centrifugo node can share
 * the database. Every writer takes the channel's shard lock, then the
 * channel's meta row, then the key's row (always in that order). The NOTIFY
 * payload is the shard number, so a poller wakes the one shard that has work.
 */
export function mapFunctionsSql(n: MapNames): string {
  return [
    lockShardSql(`${n.prefix}_lock_shard`, n.shardLock),
    publishSql(n),
    strictSql(n, "publish", publishParams(n.dataType), publishArgs),
    removeSql(n),
    strictSql(n, "remove", removeParams, removeArgs),
    expireSql(n),
  ].join("\n");
}

const publishArgs =
  "p_channel, p_key, p_data, p_tags, p_key_ttl, p_meta_ttl, p_key_mode, p_expected_offset, p_expected_epoch, " +
  "p_key_version, p_key_version_epoch, p_idempotency_key, p_idempotency_ttl, p_use_delta, p_client_id, p_user_id, " +
  "p_conn_info, p_chan_info, p_refresh_ttl_on_suppress, p_num_shards";

function publishParams(d: MapNames["dataType"]): string {
  return `  p_channel TEXT,
  p_key TEXT,
  p_data ${d} DEFAULT NULL,
  p_tags JSONB DEFAULT NULL,
  p_key_ttl INTERVAL DEFAULT NULL,
  p_meta_ttl INTERVAL DEFAULT NULL,
  p_key_mode TEXT DEFAULT NULL,
  p_expected_offset BIGINT DEFAULT NULL,
  p_expected_epoch TEXT DEFAULT NULL,
  p_key_version BIGINT DEFAULT NULL,
  p_key_version_epoch TEXT DEFAULT NULL,
  p_idempotency_key TEXT DEFAULT NULL,
  p_idempotency_ttl INTERVAL DEFAULT NULL,
  p_use_delta BOOLEAN DEFAULT FALSE,
  p_client_id TEXT DEFAULT NULL,
  p_user_id TEXT DEFAULT NULL,
  p_conn_info ${d} DEFAULT NULL,
  p_chan_info ${d} DEFAULT NULL,
  p_refresh_ttl_on_suppress BOOLEAN DEFAULT FALSE,
  p_num_shards INTEGER DEFAULT NULL`;
}

const removeArgs =
  "p_channel, p_key, p_meta_ttl, p_expected_offset, p_expected_epoch, p_idempotency_key, p_idempotency_ttl, " +
  "p_client_id, p_user_id, p_num_shards";

const removeParams = `  p_channel TEXT,
  p_key TEXT,
  p_meta_ttl INTERVAL DEFAULT NULL,
  p_expected_offset BIGINT DEFAULT NULL,
  p_expected_epoch TEXT DEFAULT NULL,
  p_idempotency_key TEXT DEFAULT NULL,
  p_idempotency_ttl INTERVAL DEFAULT NULL,
  p_client_id TEXT DEFAULT NULL,
  p_user_id TEXT DEFAULT NULL,
  p_num_shards INTEGER DEFAULT NULL`;

const resultColumns = (d: MapNames["dataType"]) =>
  `result_id BIGINT, channel_offset BIGINT, epoch TEXT, suppressed BOOLEAN, suppress_reason TEXT, current_data ${d}, current_offset BIGINT`;

/** A suppressed write's answer: no row id, the position given, the reason. */
const suppressed = (d: MapNames["dataType"], offset: string, epoch: string, reason: string) =>
  `RETURN QUERY SELECT NULL::BIGINT, ${offset}, ${epoch}, TRUE, '${reason}'::TEXT, NULL::${d}, NULL::BIGINT; RETURN;`;

/** Stores a write's result under its idempotency key (an expired result not yet cleaned up is replaced). */
const rememberSql = (n: MapNames) => `
  IF p_idempotency_key IS NOT NULL THEN
    INSERT INTO ${n.idempotency} AS i (channel, idempotency_key, result_offset, result_epoch, result_id, expires_at)
      VALUES (p_channel, p_idempotency_key, v_offset, v_epoch, v_id, NOW() + COALESCE(p_idempotency_ttl, INTERVAL '5 minutes'))
      ON CONFLICT (channel, idempotency_key) DO UPDATE SET
        result_offset = EXCLUDED.result_offset, result_epoch = EXCLUDED.result_epoch,
        result_id = EXCLUDED.result_id, expires_at = EXCLUDED.expires_at
      WHERE i.expires_at <= NOW();
  END IF;`;

/** Answers the result stored under the idempotency key, when one is alive. */
const idempotentSql = (n: MapNames) => `
  IF p_idempotency_key IS NOT NULL THEN
    SELECT i.result_offset, i.result_epoch INTO v_cached_offset, v_cached_epoch FROM ${n.idempotency} i
      WHERE i.channel = p_channel AND i.idempotency_key = p_idempotency_key AND i.expires_at > NOW();
    IF FOUND THEN
      ${suppressed(n.dataType, "v_cached_offset", "v_cached_epoch", "idempotency")}
    END IF;
  END IF;`;

/** CAS: the key must exist at the expected offset (and epoch, when given). */
const casSql = (d: MapNames["dataType"]) => `
  IF p_expected_offset IS NOT NULL AND (NOT v_found OR v_state.key_offset <> p_expected_offset
     OR (COALESCE(p_expected_epoch, '') <> '' AND p_expected_epoch <> v_epoch)) THEN
    RETURN QUERY SELECT NULL::BIGINT, v_top, v_epoch, TRUE, 'position_mismatch'::TEXT, v_state.data::${d}, v_state.key_offset;
    RETURN;
  END IF;`;

function publishSql(n: MapNames): string {
  const d = n.dataType;
  return `
CREATE OR REPLACE FUNCTION ${n.prefix}_publish(
${publishParams(d)}
) RETURNS TABLE (${resultColumns(d)})
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_shard SMALLINT;
  v_top BIGINT;
  v_epoch TEXT;
  v_new BOOLEAN;
  v_state ${n.state}%ROWTYPE;
  v_found BOOLEAN;
  v_prev ${d};
  v_offset BIGINT;
  v_id BIGINT;
  v_cached_offset BIGINT;
  v_cached_epoch TEXT;
BEGIN
  IF p_meta_ttl IS NOT NULL AND p_key_ttl IS NULL THEN
    RAISE EXCEPTION 'meta_ttl must be NULL (permanent) when key_ttl is NULL (permanent keys)';
  END IF;
  IF p_meta_ttl < p_key_ttl THEN
    RAISE EXCEPTION 'meta_ttl must be >= key_ttl (got meta_ttl %, key_ttl %)', p_meta_ttl, p_key_ttl;
  END IF;
  v_shard := ${n.prefix}_lock_shard(p_channel, p_num_shards);
  INSERT INTO ${n.meta} AS m (channel, epoch, expires_at)
    VALUES (p_channel, ${newEpochSql}, NOW() + p_meta_ttl)
    ON CONFLICT (channel) DO UPDATE SET channel = EXCLUDED.channel
    RETURNING m.top_offset, m.epoch, (m.xmax = 0) INTO v_top, v_epoch, v_new;
  IF v_new THEN
    -- A new epoch: keys left from a forgotten one are not part of it.
    DELETE FROM ${n.state} s WHERE s.channel = p_channel;
  END IF;
  ${idempotentSql(n)}
  SELECT * INTO v_state FROM ${n.state} s WHERE s.channel = p_channel AND s.key = p_key FOR UPDATE;
  v_found := FOUND;
  IF p_key_version > 0 AND p_key <> '' AND v_found AND v_state.key_version > 0
     AND (COALESCE(p_key_version_epoch, '') = '' OR p_key_version_epoch = v_state.key_version_epoch)
     AND p_key_version <= v_state.key_version THEN
    ${suppressed(d, "v_top", "v_epoch", "version")}
  END IF;
  IF p_key_mode = 'if_new' AND v_found THEN
    IF p_refresh_ttl_on_suppress AND p_key_ttl IS NOT NULL THEN
      UPDATE ${n.state} s SET expires_at = NOW() + p_key_ttl WHERE s.channel = p_channel AND s.key = p_key;
      IF p_meta_ttl IS NOT NULL THEN
        UPDATE ${n.meta} m SET expires_at = NOW() + p_meta_ttl WHERE m.channel = p_channel;
      END IF;
    END IF;
    ${suppressed(d, "v_top", "v_epoch", "key_exists")}
  END IF;
  IF p_key_mode = 'if_exists' AND NOT v_found THEN
    ${suppressed(d, "v_top", "v_epoch", "key_not_found")}
  END IF;
  ${casSql(d)}
  UPDATE ${n.meta} m SET top_offset = m.top_offset + 1,
    expires_at = CASE WHEN p_meta_ttl IS NULL THEN m.expires_at ELSE NOW() + p_meta_ttl END,
    updated_at = NOW()
  WHERE m.channel = p_channel
  RETURNING m.top_offset INTO v_offset;
  IF p_use_delta AND p_key <> '' AND v_found THEN
    v_prev := v_state.data;
  END IF;
  INSERT INTO ${n.state} AS s (channel, key, data, tags, client_id, user_id, conn_info, chan_info,
      key_version, key_version_epoch, key_offset, expires_at)
    VALUES (p_channel, p_key, p_data, p_tags, p_client_id, p_user_id, p_conn_info, p_chan_info,
      COALESCE(p_key_version, 0), p_key_version_epoch, v_offset, NOW() + p_key_ttl)
    ON CONFLICT (channel, key) DO UPDATE SET
      data = EXCLUDED.data, tags = EXCLUDED.tags, client_id = EXCLUDED.client_id, user_id = EXCLUDED.user_id,
      conn_info = EXCLUDED.conn_info, chan_info = EXCLUDED.chan_info,
      key_version = COALESCE(p_key_version, s.key_version),
      key_version_epoch = COALESCE(p_key_version_epoch, s.key_version_epoch),
      key_offset = EXCLUDED.key_offset, expires_at = EXCLUDED.expires_at, updated_at = NOW();
  INSERT INTO ${n.base} (channel, channel_offset, epoch, key, data, tags, client_id, user_id, conn_info, chan_info,
      removed, prev_data, shard_id)
    VALUES (p_channel, v_offset, v_epoch, p_key, p_data, p_tags, p_client_id, p_user_id, p_conn_info, p_chan_info,
      FALSE, v_prev, v_shard)
    RETURNING id INTO v_id;
  ${rememberSql(n)}
  PERFORM pg_notify('${n.notify}', v_shard::text);
  RETURN QUERY SELECT v_id, v_offset, v_epoch, FALSE, NULL::TEXT, NULL::${d}, NULL::BIGINT;
END
$fn$;`;
}

function removeSql(n: MapNames): string {
  const d = n.dataType;
  return `
CREATE OR REPLACE FUNCTION ${n.prefix}_remove(
${removeParams}
) RETURNS TABLE (${resultColumns(d)})
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_shard SMALLINT;
  v_top BIGINT;
  v_epoch TEXT;
  v_state ${n.state}%ROWTYPE;
  v_found BOOLEAN;
  v_offset BIGINT;
  v_id BIGINT;
  v_cached_offset BIGINT;
  v_cached_epoch TEXT;
BEGIN
  v_shard := ${n.prefix}_lock_shard(p_channel, p_num_shards);
  SELECT m.top_offset, m.epoch INTO v_top, v_epoch FROM ${n.meta} m WHERE m.channel = p_channel FOR UPDATE;
  IF NOT FOUND THEN
    ${suppressed(d, "0::BIGINT", "''::TEXT", "key_not_found")}
  END IF;
  ${idempotentSql(n)}
  SELECT * INTO v_state FROM ${n.state} s WHERE s.channel = p_channel AND s.key = p_key FOR UPDATE;
  v_found := FOUND;
  ${casSql(d)}
  IF NOT v_found OR v_state.expires_at <= NOW() THEN
    ${suppressed(d, "v_top", "v_epoch", "key_not_found")}
  END IF;
  UPDATE ${n.meta} m SET top_offset = m.top_offset + 1,
    expires_at = CASE WHEN p_meta_ttl IS NULL THEN m.expires_at ELSE NOW() + p_meta_ttl END,
    updated_at = NOW()
  WHERE m.channel = p_channel
  RETURNING m.top_offset INTO v_offset;
  DELETE FROM ${n.state} s WHERE s.channel = p_channel AND s.key = p_key;
  INSERT INTO ${n.base} (channel, channel_offset, epoch, key, data, tags, client_id, user_id, removed, shard_id)
    VALUES (p_channel, v_offset, v_epoch, p_key, NULL, v_state.tags, p_client_id, p_user_id, TRUE, v_shard)
    RETURNING id INTO v_id;
  ${rememberSql(n)}
  PERFORM pg_notify('${n.notify}', v_shard::text);
  RETURN QUERY SELECT v_id, v_offset, v_epoch, FALSE, NULL::TEXT, NULL::${d}, NULL::BIGINT;
END
$fn$;`;
}

/** `_publish_strict` / `_remove_strict`: the write, or an exception with Centrifugo's SQLSTATE for each reason. */
function strictSql(n: MapNames, op: "publish" | "remove", params: string, args: string): string {
  return `
CREATE OR REPLACE FUNCTION ${n.prefix}_${op}_strict(
${params}
) RETURNS TABLE (result_id BIGINT, channel_offset BIGINT, epoch TEXT)
LANGUAGE plpgsql AS $fn$
DECLARE
  r RECORD;
BEGIN
  SELECT * INTO r FROM ${n.prefix}_${op}(${args});
  IF r.suppressed THEN
    ${
      op === "remove"
        ? `RAISE EXCEPTION USING ERRCODE = 'no_data_found', MESSAGE = format('key not found (%s)', r.suppress_reason);`
        : `CASE r.suppress_reason
      WHEN 'key_exists', 'idempotency' THEN
        RAISE EXCEPTION USING ERRCODE = 'unique_violation', MESSAGE = format('map publish suppressed: %s', r.suppress_reason);
      WHEN 'key_not_found' THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found', MESSAGE = 'map publish suppressed: key_not_found';
      WHEN 'position_mismatch' THEN
        RAISE EXCEPTION USING ERRCODE = 'serialization_failure', MESSAGE = 'map publish suppressed: position_mismatch',
          DETAIL = COALESCE(r.current_data::TEXT, '');
      WHEN 'version' THEN
        RAISE EXCEPTION USING ERRCODE = 'serialization_failure', MESSAGE = 'map publish suppressed: version';
      ELSE
        RAISE EXCEPTION 'map publish suppressed: %', r.suppress_reason;
    END CASE;`
    }
  END IF;
  RETURN QUERY SELECT r.result_id, r.channel_offset, r.epoch;
END
$fn$;`;
}

/**
 * `_expire_keys`: removes up to a batch of a channel's expired keys (every
 * channel's when none is named) — each a removal in the stream with the
 * next offset and the key's tags — and returns them. Keys of a channel
 * whose meta is gone are deleted without events (there is no epoch to put
 * them in).
 */
function expireSql(n: MapNames): string {
  return `
CREATE OR REPLACE FUNCTION ${n.prefix}_expire_keys(
  p_batch_size INT DEFAULT 1000,
  p_num_shards INTEGER DEFAULT NULL,
  p_meta_ttl INTERVAL DEFAULT NULL,
  p_channel TEXT DEFAULT NULL
) RETURNS TABLE (out_channel TEXT, out_key TEXT, out_offset BIGINT, out_epoch TEXT)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_shard SMALLINT;
  v_top BIGINT;
  v_start BIGINT;
  v_epoch TEXT;
  v_row RECORD;
BEGIN
  IF p_channel IS NULL THEN
    FOR v_row IN SELECT DISTINCT s.channel FROM ${n.state} s
        WHERE s.expires_at IS NOT NULL AND s.expires_at <= NOW() LIMIT 100 LOOP
      RETURN QUERY SELECT * FROM ${n.prefix}_expire_keys(p_batch_size, p_num_shards, p_meta_ttl, v_row.channel);
    END LOOP;
    RETURN;
  END IF;
  v_shard := ${n.prefix}_lock_shard(p_channel, p_num_shards);
  SELECT m.top_offset, m.epoch INTO v_top, v_epoch FROM ${n.meta} m WHERE m.channel = p_channel FOR UPDATE;
  IF NOT FOUND THEN
    DELETE FROM ${n.state} s WHERE s.channel = p_channel AND s.expires_at <= NOW();
    RETURN;
  END IF;
  v_start := v_top;
  FOR v_row IN SELECT s.key, s.tags FROM ${n.state} s
      WHERE s.channel = p_channel AND s.expires_at <= NOW()
      ORDER BY s.expires_at, s.key LIMIT p_batch_size FOR UPDATE SKIP LOCKED LOOP
    v_top := v_top + 1;
    DELETE FROM ${n.state} s WHERE s.channel = p_channel AND s.key = v_row.key;
    INSERT INTO ${n.base} (channel, channel_offset, epoch, key, data, tags, removed, shard_id)
      VALUES (p_channel, v_top, v_epoch, v_row.key, NULL, v_row.tags, TRUE, v_shard);
    out_channel := p_channel;
    out_key := v_row.key;
    out_offset := v_top;
    out_epoch := v_epoch;
    RETURN NEXT;
  END LOOP;
  IF v_top > v_start THEN
    UPDATE ${n.meta} m SET top_offset = v_top,
      expires_at = CASE WHEN p_meta_ttl IS NULL THEN m.expires_at ELSE NOW() + p_meta_ttl END,
      updated_at = NOW()
    WHERE m.channel = p_channel;
    PERFORM pg_notify('${n.notify}', v_shard::text);
  END IF;
END
$fn$;`;
}
