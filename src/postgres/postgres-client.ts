import { createHash } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";
import { type ClientTlsConfig, clientTlsOptions } from "../config/client-tls.js";
import { ConnectionWarnings } from "./connection-warnings.js";
import { dsnConfig, dsnLabel } from "./dsn.js";
import { type NotifyHandler, NotifyListener } from "./notify-listener.js";

/** How to reach one PostgreSQL database, in the shape of Centrifugo's `dsn` / `tls` / `pool_size` options. */
export interface PostgresOptions {
  /** A URL (`postgres://…`) or libpq keyword/value pairs (`host=… dbname=…`). */
  readonly dsn: string;
  readonly tls: ClientTlsConfig;
  /** Most connections the pool holds at once. */
  readonly poolSize: number;
  /**
   * How long a pooled statement may go unanswered before it fails (and its
   * connection is dropped); none when absent. A database that hangs then
   * fails a write with an error instead of holding it forever; the statement
   * may still complete on the server.
   */
  readonly queryTimeoutMs?: number | undefined;
  /** Where the LISTEN connection goes instead of `dsn`, e.g. past a PgBouncer in transaction mode. */
  readonly notifyDsn?: string | undefined;
  /** Whether `tls` applies to `notifyDsn` too (Centrifugo's outbox consumer does not apply it). */
  readonly notifyTls?: boolean | undefined;
  /** The option path of these settings, for error messages (`consumers[0].postgresql`). */
  readonly where: string;
}

/** The connection keys the engine sections share (`broker.postgres`, `map_broker.postgres`, `controller.postgres`). */
export interface PostgresSection {
  readonly dsn: string;
  readonly tls: ClientTlsConfig;
  readonly pool_size: number;
  readonly query_timeout: number;
  readonly notify_dsn: string;
}

/**
 * A statement text, or a named one (`{ name, text }`): each connection
 * parses and plans a named statement once and afterwards only binds and
 * runs it, which saves the database that work on calls made many times a
 * second. A name stands for one text per client.
 */
export type Statement = string | { readonly name: string; readonly text: string };

/**
 * `text` as a named statement, for the calls made many times a second (a
 * publish, a poll, an outbox read). The name is a digest of the text, so
 * two texts never share one, whatever table names they hold.
 */
export function prepared(text: string): Statement {
  return { name: `rotor_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`, text };
}

/** Something that runs SQL: the pool, or one connection inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    statement: Statement,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** One connection lent by `PostgresClient.session`. */
export interface Session extends Queryable {
  /** Sends `text` (one statement or several, `;`-separated) as one message; a result per statement, in order. */
  run(text: string): Promise<pg.QueryResult[]>;
}

const jsonOid = 114;
const jsonbOid = 3802;

/**
 * JSON and JSONB columns come back as their text, never parsed: rotor
 * passes payloads on as bytes, and parsing would cost time and lose
 * what JSON.parse cannot keep (big integers, duplicate keys).
 */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === jsonOid || oid === jsonbOid
      ? (text: string) => text
      : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** How long making one connection may take before it counts as failed. */
const connectTimeoutMs = 10_000;

function clientConfig(dsn: string, tls: ClientTlsConfig | undefined, where: string): pg.ClientConfig {
  const read = dsnConfig(dsn);
  if ("error" in read) throw new Error(`${where}: ${read.error}`);
  const ssl = tls && clientTlsOptions(tls);
  return {
    connectionTimeoutMillis: connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types,
    ...(ssl ? { ssl } : {}),
    ...read.config,
  };
}

/**
 * The one place rotor opens PostgreSQL connections: a pool for queries and
 * transactions, and one dedicated LISTEN connection (made on first use)
 * that reconnects by itself. Connections are made lazily and again after a
 * failure; a query while the database is away fails (it is not queued), so
 * callers decide whether to retry. A dropped idle or checked-out connection
 * is logged once and replaced, never an unhandled error.
 */
export class PostgresClient {
  readonly label: string;
  private readonly pool: pg.Pool;
  private readonly warnings: ConnectionWarnings;
  private readonly notifyConfig: pg.ClientConfig;
  private listener: NotifyListener | undefined;

  /** Throws, naming the option, when the DSN cannot be read. */
  constructor(
    readonly options: PostgresOptions,
    log: Logger,
  ) {
    this.label = dsnLabel(options.dsn);
    this.warnings = new ConnectionWarnings(log, this.label);
    this.pool = new pg.Pool({
      ...clientConfig(options.dsn, options.tls, options.where),
      max: options.poolSize,
      ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
    });
    this.pool.on("error", (err) => this.warnings.warn(err, "idle connection failed"));
    const notifyDsn = options.notifyDsn || options.dsn;
    const notifyTls = options.notifyDsn && options.notifyTls === false ? undefined : options.tls;
    this.notifyConfig = clientConfig(notifyDsn, notifyTls, options.where);
  }

  /** A client for one engine section, `where` naming it in errors (`broker.postgres`). */
  static forSection(o: PostgresSection, where: string, log: Logger): PostgresClient {
    return new PostgresClient(
      {
        dsn: o.dsn,
        tls: o.tls,
        poolSize: o.pool_size,
        queryTimeoutMs: o.query_timeout,
        notifyDsn: o.notify_dsn || undefined,
        where,
      },
      log,
    );
  }

  /** Runs one statement on a pooled connection. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    statement: Statement,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    return typeof statement === "string"
      ? this.pool.query<R>(statement, values)
      : this.pool.query<R>({ name: statement.name, text: statement.text, values });
  }

  /**
   * Runs `work` inside one transaction on one pooled connection: committed
   * when it resolves, rolled back when it throws (the error is rethrown).
   * `begin` may carry the transaction's first statements (`SET LOCAL …`, a
   * lock, a read), and `commit` its last ones before the `COMMIT` (from
   * what `work` returned), each sent with it as one message: one round trip
   * for all of them. `work` gets the results of `begin`'s statements, in
   * order. Each statement of such a message reads with a snapshot of its
   * own, taken when the one before it ended (read committed).
   */
  transaction<T>(
    work: (tx: Queryable, opened: pg.QueryResult[]) => Promise<T>,
    begin = "BEGIN",
    commit: (result: T) => string = () => "COMMIT",
  ): Promise<T> {
    return this.session(async (session) => {
      const result = await work(session, await session.run(begin));
      await session.run(commit(result));
      return result;
    });
  }

  /**
   * Lends one pooled connection to `work` for as long as it runs, for
   * transactions that follow each other on it: a message may commit one
   * and open the next (`…; COMMIT; BEGIN; …`), one round trip between two
   * transactions instead of two. When `work` throws, whatever transaction
   * it left open is rolled back and the error rethrown; a connection that
   * failed is dropped rather than pooled again.
   */
  async session<T>(work: (session: Session) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
      this.warnings.warn(err, "connection failed in a transaction");
    };
    client.on("error", onError);
    const session: Session = {
      query: (statement, values) =>
        typeof statement === "string"
          ? client.query(statement, values)
          : client.query({ name: statement.name, text: statement.text, values }),
      async run(text) {
        // A message of several statements answers with a result for each, one statement with a single one.
        const results: pg.QueryResult | pg.QueryResult[] = await client.query(text);
        return Array.isArray(results) ? results : [results];
      },
    };
    try {
      return await work(session);
    } catch (err) {
      await client.query("ROLLBACK").catch((rollbackErr: Error) => {
        broken ??= rollbackErr;
      });
      throw err;
    } finally {
      client.removeListener("error", onError);
      client.release(broken ?? false);
    }
  }

  /**
   * LISTENs on `channel` over the dedicated connection (exact case, any
   * characters); returns how to stop. The handler hears each notification
   * and each (re)start of listening.
   */
  listen(channel: string, handler: NotifyHandler): () => void {
    this.listener ??= new NotifyListener(this.notifyConfig, this.warnings);
    return this.listener.add(channel, handler);
  }

  /** Resolves when the database answers; rejects with why not after `timeoutMs`. */
  async ping(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const answer = this.pool.query("SELECT 1");
    answer.catch(() => {});
    try {
      await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Logs a problem of a caller's own (a failing poll, say) once per kind, like the connection's own. */
  warn(err: Error, what: string): void {
    this.warnings.warn(err, what);
  }

  /** That kind of problem is over. */
  recovered(what: string): void {
    this.warnings.recovered(what);
  }

  /** Closes the LISTEN connection and the pool, waiting for checked-out connections to come back. */
  async close(): Promise<void> {
    await this.listener?.close();
    await this.pool.end();
  }
}
