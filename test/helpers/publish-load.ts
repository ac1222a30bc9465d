import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { waitUntil } from "./redis-servers.js";
import type { TestServer } from "./server.js";

/** One publication the API acknowledged: its number and the offset it got. */
export interface Ack {
  readonly n: number;
  readonly offset: number;
}

/**
 * Publishes `{n}` for n = 1, 2, … through the nodes in turn until stopped;
 * keeps what was acknowledged and the error codes of what was not (a
 * request that got no answer at all counts as code 0).
 */
export function publishLoop(nodes: readonly TestServer[], channel: string) {
  const acked: Ack[] = [];
  const codes: number[] = [];
  let running = true;
  const done = (async () => {
    for (let n = 1; running; n++) {
      const srv = nodes[n % nodes.length]!;
      try {
        const res = await fetch(`${srv.url}/api/publish`, {
          method: "POST",
          headers: { "X-API-Key": srv.apiKey },
          body: JSON.stringify({ channel, data: { n } }),
        });
        const body = (await res.json()) as { result?: { offset: number }; error?: { code: number } };
        if (body.result) acked.push({ n, offset: body.result.offset });
        else codes.push(body.error?.code ?? -1);
      } catch {
        codes.push(0);
      }
      await sleep(5);
    }
  })();
  return {
    acked,
    codes,
    async stop() {
      running = false;
      await done;
    },
  };
}

/** Every subscriber ends up with every acknowledged publication, in offset order, each once. */
export async function assertEveryAcked(
  collectors: readonly { received: { data: unknown; offset?: number }[] }[],
  acked: readonly Ack[],
): Promise<void> {
  const last = acked[acked.length - 1]!;
  for (const [i, collector] of collectors.entries()) {
    await waitUntil(
      `subscriber ${i} caught up to offset ${last.offset}`,
      async () => collector.received.some((p) => p.offset === last.offset),
      20_000,
    );
    const offsets = collector.received.map((p) => p.offset!);
    assert.deepEqual(
      offsets,
      [...offsets].sort((x, y) => x - y).filter((o, j, all) => j === 0 || all[j - 1] !== o),
      `subscriber ${i}: strictly increasing offsets, no duplicates`,
    );
    const got = new Map(collector.received.map((p) => [p.offset, (p.data as { n: number }).n]));
    for (const ack of acked)
      assert.equal(got.get(ack.offset), ack.n, `subscriber ${i} has offset ${ack.offset}`);
  }
}
