/** The servers and credentials a `broker.nats.url` names. */
export interface NatsServers {
  /** `host:port` of each server, in the order given. */
  readonly servers: string[];
  readonly user?: string | undefined;
  readonly pass?: string | undefined;
  /** A token given as the only user info (`nats://TOKEN@host`). */
  readonly token?: string | undefined;
  /** A `tls://` URL requires TLS even without `broker.nats.tls.enabled`. */
  readonly tls: boolean;
  /** The URL without credentials: what logs name. */
  readonly label: string;
}

const schemes = new Set(["nats:", "tls:"]);

/**
 * Reads a NATS URL as nats.go does: one or several comma-separated servers,
 * `nats://` (the scheme may be left out) or `tls://`, port 4222 unless given,
 * user and password (or a token) in the first URL that carries them.
 */
export function parseNatsUrl(text: string): NatsServers | { error: string } {
  const entries = text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (entries.length === 0) return { error: "no NATS server given (example: nats://127.0.0.1:4222)" };
  const servers: string[] = [];
  const labels: string[] = [];
  let credentials: Pick<NatsServers, "user" | "pass" | "token"> | undefined;
  let tls = false;
  for (const entry of entries) {
    let url: URL;
    try {
      url = new URL(entry.includes("://") ? entry : `nats://${entry}`);
    } catch {
      return { error: `malformed NATS URL "${entry}" (example: nats://127.0.0.1:4222)` };
    }
    if (!schemes.has(url.protocol) || url.hostname === "" || (url.pathname !== "" && url.pathname !== "/")) {
      return { error: `malformed NATS URL "${entry}" (example: nats://127.0.0.1:4222)` };
    }
    tls ||= url.protocol === "tls:";
    if (!credentials && url.username !== "") {
      const user = decodeURIComponent(url.username);
      credentials = url.password === "" ? { token: user } : { user, pass: decodeURIComponent(url.password) };
    }
    const host = `${url.hostname}:${url.port || "4222"}`;
    servers.push(host);
    labels.push(`${url.protocol}//${host}`);
  }
  return { servers, ...credentials, tls, label: labels.join(",") };
}
