import type { ClientConfig } from "pg";

/** libpq keywords rotor maps onto the driver's options; others are refused by name. */
const keywords: Record<string, (config: ClientConfig, value: string) => void> = {
  host: (c, v) => {
    c.host = v;
  },
  hostaddr: (c, v) => {
    c.host = v;
  },
  port: (c, v) => {
    c.port = Number(v);
  },
  user: (c, v) => {
    c.user = v;
  },
  password: (c, v) => {
    c.password = v;
  },
  dbname: (c, v) => {
    c.database = v;
  },
  application_name: (c, v) => {
    c.application_name = v;
  },
  connect_timeout: (c, v) => {
    c.connectionTimeoutMillis = Number(v) * 1000;
  },
  options: (c, v) => {
    c.options = v;
  },
  sslmode: (c, v) => {
    c.ssl = sslMode(v);
  },
};

/** libpq's `sslmode`: `disable`, `allow` and `prefer` connect without TLS, `require` without checking the certificate. */
function sslMode(mode: string): ClientConfig["ssl"] {
  if (mode === "require") return { rejectUnauthorized: false };
  if (mode === "verify-ca" || mode === "verify-full") return { rejectUnauthorized: true };
  return false;
}

/** Splits `key=value key2='quoted \' value'` as libpq reads a keyword/value connection string. */
function pairs(dsn: string): [string, string][] | { error: string } {
  const out: [string, string][] = [];
  const pattern = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|([^\s']*))/y;
  let at = 0;
  while (at < dsn.length) {
    if (dsn.slice(at).trim() === "") break;
    pattern.lastIndex = at;
    const m = pattern.exec(dsn);
    if (!m) return { error: `cannot read the DSN near "${dsn.slice(at, at + 20).trim()}"` };
    out.push([m[1]!, m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!]);
    at = pattern.lastIndex;
  }
  return out;
}

/**
 * The driver options a DSN describes, in either of libpq's forms, as
 * Centrifugo (pgx) takes them: a URL (`postgres://user:pass@host:5432/db?sslmode=require`,
 * read by the driver itself) or keyword/value pairs (`host=localhost port=5432 dbname=app`).
 */
export function dsnConfig(dsn: string): { config: ClientConfig } | { error: string } {
  if (/^postgres(ql)?:\/\//.test(dsn)) return { config: { connectionString: dsn } };
  const read = pairs(dsn);
  if ("error" in read) return read;
  const config: ClientConfig = {};
  for (const [key, value] of read) {
    const apply = keywords[key];
    if (!apply) return { error: `the DSN keyword "${key}" is not supported` };
    apply(config, value);
  }
  if (config.port !== undefined && !Number.isInteger(config.port))
    return { error: "the DSN port is not a number" };
  return { config };
}

/** The DSN without its password, for logs. */
export function dsnLabel(dsn: string): string {
  return dsn
    .replace(/(\/\/[^:@/]*):[^@/]*@/, "$1@")
    .replace(/password\s*=\s*('(?:[^'\\]|\\.)*'|\S*)/, "password=…");
}
