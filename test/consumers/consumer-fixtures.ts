import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Centrifuge } from "centrifuge";
import { centrifugeClient, collectPublications, subscribed } from "../helpers/centrifuge-clients.js";
import { freePort, startCli } from "../helpers/cli-process.js";
import { sample, scrape } from "../helpers/prometheus.js";
import { waitUntil } from "../helpers/redis-servers.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** A rotor with one enabled consumer (and whatever else `extra` configures), metrics on. */
export function serverWithConsumer(
  consumer: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<TestServer> {
  return startTestServer({
    client: { insecure: true },
    prometheus: { enabled: true },
    consumers: [{ enabled: true, ...consumer }],
    ...extra,
  });
}

/** A real client subscribed to `channels`, collecting what each receives as JSON values. */
export async function watch(url: string, channels: readonly string[]) {
  const client: Centrifuge = centrifugeClient(url, "json");
  const byChannel = new Map<string, ReturnType<typeof collectPublications>>();
  for (const channel of channels) {
    const { sub } = await subscribed(client, channel);
    byChannel.set(channel, collectPublications(sub));
  }
  return {
    on: (channel: string) => byChannel.get(channel)!,
    close: () => client.disconnect(),
  };
}

/** `centrifugo_consumers_*_total{consumer_name}` as a scrape shows it now. */
export async function consumerCount(
  server: TestServer,
  metric: "messages_processed_total" | "errors_total",
  name: string,
): Promise<number> {
  const samples = await scrape(`${server.internalUrl}/metrics`);
  return sample(samples, `centrifugo_consumers_${metric}`, { consumer_name: name }) ?? 0;
}

/** Waits until the consumer has handled `n` messages in all. */
export function processed(server: TestServer, name: string, n: number, timeoutMs = 15_000): Promise<void> {
  return waitUntil(
    `${n} messages processed by ${name}`,
    async () => (await consumerCount(server, "messages_processed_total", name)) >= n,
    timeoutMs,
  );
}

/** Each value once, in order, and nothing else: what `expected` committed. */
export function sequence(received: { data: unknown }[]): unknown[] {
  return received.map((p) => (p.data as { n: unknown }).n);
}

/** A rotor in a process of its own (the CLI), to be killed with SIGKILL in the middle of its work. */
export async function rotorProcess(config: Record<string, unknown>) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "rotor-consumer-"));
  const file = join(dir, "config.json");
  const full = { ...config, http_server: { address: "127.0.0.1", port }, http_api: { key: "k" } };
  writeFileSync(file, JSON.stringify({ log: { level: "warn" }, ...full }));
  const cli = await startCli(["--config", file], [port]);
  return {
    cli,
    kill() {
      const exited = once(cli.child, "exit");
      cli.child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      return exited;
    },
  };
}

/** The tags of a channel's history, oldest first (undefined for a publication without tags). */
export async function historyTags(server: TestServer, channel: string): Promise<unknown[]> {
  const res = await fetch(`${server.url}/api/history`, {
    method: "POST",
    headers: { "x-api-key": server.apiKey },
    body: JSON.stringify({ channel, limit: -1 }),
  });
  const body = (await res.json()) as { result: { publications: { tags?: unknown }[] } };
  return body.result.publications.map((p) => p.tags);
}

/** Waits until `received` holds every value `n` of 0…total-1 at least once. */
export function everyOneArrived(
  received: { data: unknown }[],
  total: number,
  timeoutMs: number,
): Promise<void> {
  return waitUntil(
    `all ${total} delivered`,
    async () => new Set(sequence(received)).size === total,
    timeoutMs,
  );
}
