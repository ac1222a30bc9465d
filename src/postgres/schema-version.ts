import type { Queryable } from "./postgres-client.js";

/**
 * The version a `<…>_schema_version` table says its schema is, none when the
 * table is not there. Existence is asked first: inside a transaction a
 * failed read would end it.
 */
export async function schemaVersionOf(db: Queryable, table: string): Promise<number | undefined> {
  const exists = await db.query<{ found: boolean }>("SELECT to_regclass($1) IS NOT NULL AS found", [table]);
  if (!exists.rows[0]?.found) return undefined;
  const { rows } = await db.query<{ v: number }>(`SELECT schema_version AS v FROM ${table} WHERE id = 1`);
  return rows[0]?.v;
}
