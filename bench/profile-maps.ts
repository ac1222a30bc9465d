import { fileURLToPath } from "node:url";
import { nowMs } from "./lib/clock.js";
import { openFleet } from "./lib/fleet.js";
import { cpuSeconds, spawnNode } from "./lib/processes.js";
import { liveKeys, mapChannel, type Publish, send, writeConfig } from "./scenarios/maps.js";

const publisherFile = fileURLToPath(new URL("./load/publisher.ts", import.meta.url));

/** A stretch of the run summarised on its own: one burst. */
export interface ProfileWindow {
  readonly label: string;
  readonly from: number;
  readonly to: number;
}

const streamChannel = "bench0";

/** The maps scenario's recoverable map namespace; rotor's flags to run with it. */
export function mapsConfig(dir: string): string[] {
  return ["--config", writeConfig(dir)];
}

/**
 * Live map updates beside a stream channel on the same connections, as the
 * bench's maps scenario: each connection subscribes to a stream channel and
 * to a recoverable map; after a warm-up burst of each, one burst to the
 * stream channel and one to the map are profiled as windows of their own.
 */
export async function profileMaps(
  url: string,
  pid: number,
  a: { subscribers: number; publications: number; inFlight: number },
  loadCpus: string,
  out: string[],
): Promise<ProfileWindow[]> {
  const fleet = await openFleet({
    url,
    mode: "centrifugo",
    count: a.subscribers,
    channels: [streamChannel],
    subscribe: true,
    cpus: loadCpus,
  });
  const publisher = spawnNode([publisherFile], loadCpus, true);
  try {
    const map: Publish = { path: "/api/map_publish", channel: mapChannel, keys: liveKeys };
    const stream: Publish = { path: "/api/publish", channel: streamChannel };
    await send(publisher, { url }, map, liveKeys, 4);
    await fleet.mapSubscribe(mapChannel, 1000);
    const count = a.publications || 600;
    const inFlight = a.inFlight || 4;
    const windows: ProfileWindow[] = [];
    for (const [label, p, profiled] of [
      ["warm-up stream", stream, false],
      ["warm-up map", map, false],
      ["stream channel", stream, true],
      ["map", map, true],
    ] as const) {
      await fleet.reset();
      const cpu0 = cpuSeconds(pid);
      const from = nowMs();
      await send(publisher, { url }, p, count, inFlight);
      const got = await fleet.waitFor(count * a.subscribers, 5000);
      const to = nowMs();
      const cpu = cpuSeconds(pid) - cpu0;
      if (!profiled) continue;
      windows.push({ label, from, to });
      out.push(
        `- ${label}: ${count} publications to ${a.subscribers} subscribers, ${inFlight} in flight: ${got.received} deliveries, server CPU ${cpu.toFixed(2)} s = ${Math.round(got.received / cpu)} deliveries per CPU-second`,
      );
    }
    return windows;
  } finally {
    await fleet.close();
    await publisher.stop();
  }
}
