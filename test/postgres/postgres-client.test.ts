import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pino from "pino";
import { clientTlsSchema } from "../../src/config/client-tls.js";
import { PostgresClient } from "../../src/postgres/postgres-client.js";
import { type PostgresProcess, startPostgres } from "../helpers/postgres-servers.js";
import { waitUntil } from "../helpers/redis-servers.js";

let postgres: PostgresProcess;
let dsn: string;
before(async () => {
  postgres = await startPostgres();
  dsn = postgres.url(await postgres.createDatabase("client"));
});
after(() => postgres?.stop());

/** A client whose warnings land in `lines`. */
function client(lines: string[]): PostgresClient {
  const log = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
  return new PostgresClient({ dsn, tls: clientTlsSchema().parse({}), poolSize: 2, where: "test" }, log);
}

test("closing right after a listener stops logs nothing: the UNLISTEN the close cut short is no failure", async () => {
  const lines: string[] = [];
  const db = client(lines);
  let listening = 0;
  const stop = db.listen("quiet_close", { notify() {}, listening: () => listening++ });
  await waitUntil("listening", async () => listening > 0, 5000);
  stop();
  await db.close();
  assert.deepEqual(lines, []);
});
