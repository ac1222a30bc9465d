import type { Queryable } from "./postgres-client.js";

const dayMs = 86_400_000;

/** `YYYY-MM-DD` of a UTC day. */
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Keeps the stream table's daily partitions (`<table>_YYYY_MM_DD`, one UTC
 * day each): today's and `lookaheadDays` more exist, and those older than
 * `retentionDays` are dropped (never when it is negative). Bounds are UTC
 * literals, so the session's time zone does not matter. Children whose
 * names are not of that form are left alone. Returns how many partitions
 * the table has afterwards.
 */
export async function maintainPartitions(
  db: Queryable,
  table: string,
  lookaheadDays: number,
  retentionDays: number,
  now = Date.now(),
): Promise<number> {
  const today = Math.floor(now / dayMs) * dayMs;
  for (let day = 0; day <= lookaheadDays; day++) {
    const from = today + day * dayMs;
    const name = `${table}_${isoDay(from).replaceAll("-", "_")}`;
    await db.query(
      `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF ${table} ` +
        `FOR VALUES FROM ('${isoDay(from)} 00:00:00+00') TO ('${isoDay(from + dayMs)} 00:00:00+00')`,
    );
  }
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace
     WHERE p.relname = $1 AND n.nspname = current_schema()`,
    [table],
  );
  if (retentionDays < 0) return rows.length;
  const oldest = isoDay(now - retentionDays * dayMs);
  let dropped = 0;
  for (const { name } of rows) {
    const m = /_(\d{4})_(\d{2})_(\d{2})$/.exec(name);
    if (!m || name.length !== table.length + 11) continue;
    if (`${m[1]}-${m[2]}-${m[3]}` < oldest) {
      await db.query(`DROP TABLE IF EXISTS ${name}`);
      dropped += 1;
    }
  }
  return rows.length - dropped;
}
