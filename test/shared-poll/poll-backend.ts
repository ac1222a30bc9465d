import { createHash, createHmac } from "node:crypto";
import Fastify from "fastify";

/** One key as the backend holds it; `removed` answers the next refresh with a removal. */
export interface BackendKey {
  data: unknown;
  version?: number;
  removed?: boolean;
}

/**
 * A real application backend for shared poll: a Fastify app answering
 * `shared_poll_refresh` proxy calls from a table of keys the test edits,
 * counting the refresh calls each key is part of.
 */
export async function startPollBackend(epoch = "") {
  const keys = new Map<string, BackendKey>();
  const calls = new Map<string, number>();
  const batchSizes: number[] = [];
  const requests: { channel: string; items: { key: string; version?: number }[] }[] = [];
  const app = Fastify({ forceCloseConnections: true, bodyLimit: 10 * 1024 * 1024 });
  app.post("/refresh", async (request) => {
    const body = request.body as { channel: string; items: { key: string; version?: number }[] };
    requests.push(body);
    batchSizes.push(body.items.length);
    const items = [];
    for (const { key } of body.items) {
      calls.set(key, (calls.get(key) ?? 0) + 1);
      const k = keys.get(key);
      if (!k) continue;
      items.push(k.removed ? { key, removed: true } : { key, data: k.data, version: k.version });
    }
    return { result: { items, epoch } };
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    keys,
    calls,
    batchSizes,
    requests,
    proxy: { endpoint: `http://127.0.0.1:${port}/refresh`, timeout: "2s" },
    resetCounts() {
      calls.clear();
      batchSizes.length = 0;
      requests.length = 0;
    },
    close: () => app.close(),
  };
}

/**
 * A track signature as an application backend makes it (spec B4):
 * `<iat>:<exp>:<hex hmac-sha256>` over iat, exp, user, channel and the
 * sha256 of the keys joined with NUL.
 */
export function signKeys(
  secret: string,
  user: string,
  channel: string,
  keys: readonly string[],
  o: { iat?: number; exp?: number } = {},
): string {
  const iat = String(o.iat ?? Math.floor(Date.now() / 1000));
  const exp = String(o.exp ?? 0);
  const keysHash = createHash("sha256").update(keys.join("\0")).digest("hex");
  const hex = createHmac("sha256", secret)
    .update(`${iat}\0${exp}\0${user}\0${channel}\0${keysHash}`)
    .digest("hex");
  return `${iat}:${exp}:${hex}`;
}
