import { randomUUID } from "node:crypto";
import { httpApi } from "../helpers/api-clients.js";
import { centrifugeClient, nextEvent } from "../helpers/centrifuge-clients.js";
import type { TestServer } from "../helpers/server.js";
import { honestNamespace, tokenFor } from "./fuzz-server.js";

/** What the honest subscriber got while the fuzzers ran. */
export interface HonestReport {
  readonly published: number;
  readonly received: number;
  readonly gaps: number;
  readonly duplicates: number;
  /** Disconnects and unsubscribes it saw after it first subscribed. */
  readonly interruptions: string[];
}

/**
 * A well-behaved client next to the fuzzers: a centrifuge-js subscriber to a
 * channel of its own, and a backend publishing to it every `everyMs` through
 * the HTTP API. Whatever the fuzzers do, it must receive every publication,
 * once and in order, without being disconnected.
 */
export async function startHonestSubscriber(srv: TestServer, everyMs = 20) {
  const channel = `${honestNamespace}:${randomUUID()}`;
  const client = centrifugeClient(srv.url, "json", { token: await tokenFor(`honest-${randomUUID()}`) });
  const sub = client.newSubscription(channel);
  const seen: number[] = [];
  const interruptions: string[] = [];
  sub.on("publication", (ctx) => seen.push((ctx.data as { n: number }).n));
  const subscribed = nextEvent(sub, "subscribed", 10_000);
  sub.subscribe();
  client.connect();
  await subscribed;
  client.on("disconnected", (ctx) => interruptions.push(`disconnected ${ctx.code} ${ctx.reason}`));
  client.on("connecting", (ctx) => interruptions.push(`connecting ${ctx.code} ${ctx.reason}`));
  sub.on("unsubscribed", (ctx) => interruptions.push(`unsubscribed ${ctx.code} ${ctx.reason}`));
  sub.on("subscribing", (ctx) => interruptions.push(`subscribing ${ctx.code} ${ctx.reason}`));

  let published = 0;
  let running = true;
  const publishing = (async () => {
    while (running) {
      const res = await httpApi(
        srv.url,
        "publish",
        { channel, data: { n: published + 1 } },
        { "x-api-key": srv.apiKey },
      );
      if (res.status === 200) published++;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();

  return {
    /** Stops publishing, waits for the last publication to arrive (or 10 s), and reports. */
    async stop(): Promise<HonestReport> {
      running = false;
      await publishing;
      const deadline = Date.now() + 10_000;
      while (seen.length < published && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // Its own disconnect moves it through "disconnected" and "subscribing": those are not interruptions.
      const interrupted = [...interruptions];
      client.disconnect();
      let gaps = 0;
      let duplicates = 0;
      for (let i = 1; i < seen.length; i++) {
        if (seen[i]! <= seen[i - 1]!) duplicates++;
        else if (seen[i]! > seen[i - 1]! + 1) gaps++;
      }
      if (seen.length > 0 && seen[0] !== 1) gaps++;
      if (seen.length > 0 && seen[seen.length - 1] !== published) gaps++;
      return { published, received: seen.length, gaps, duplicates, interruptions: interrupted };
    },
  };
}
