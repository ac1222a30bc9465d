import pg from "pg";
import type { Queryable } from "../../postgres/postgres-client.js";

/** `"Schema"."Table"` for `Schema.Table`: the name as written, case kept. */
function quoted(name: string): string {
  return name
    .split(".")
    .map((part) => pg.escapeIdentifier(part))
    .join(".");
}

/**
 * The outbox table's name as SQL can use it, or why there is none. The name
 * is first read as SQL reads it (unquoted parts fold to lower case, a
 * schema-qualified or quoted name works), then, when it has capitals and
 * nothing was found, as written with its case kept: a table created as
 * `"Outbox"` is found from `outbox_table_name: Outbox` too, where an
 * unquoted name would never match it.
 */
export async function resolveOutboxTable(db: Queryable, name: string): Promise<string | { error: string }> {
  const candidates = name === name.toLowerCase() || name.includes('"') ? [name] : [name, quoted(name)];
  for (const candidate of candidates) {
    const { rows } = await db.query<{ table: string | null }>("SELECT to_regclass($1)::text AS table", [
      candidate,
    ]);
    const table = rows[0]?.table;
    if (table) return table;
  }
  return { error: `outbox table ${name} does not exist` };
}
