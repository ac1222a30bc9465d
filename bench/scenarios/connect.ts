import { fileURLToPath } from "node:url";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { type BenchServer, startGoCentrifuge, startPlainBaseline, startRotor } from "../lib/bench-server.js";
import { sleep } from "../lib/clock.js";
import { localAddresses } from "../lib/fleet.js";
import { goCentrifugeBinary } from "../lib/go-centrifuge.js";
import { ask } from "../lib/ipc.js";
import { cpuSeconds, freePort, type Proc, raiseFileLimit, spawnNode } from "../lib/processes.js";
import { atLeast, makeFigure, makeRow } from "../lib/report.js";
import type { StormKind, StormRequest } from "../load/connect-storm.js";
import type { ScenarioContext } from "./context.js";

const stormFile = fileURLToPath(new URL("../load/connect-storm.ts", import.meta.url));
const secret = "bench-connect-secret";
const inFlight = 32;

/** One server as started for a round: what it is, how to start it, and what it serves. */
interface Setup {
  readonly name: string;
  readonly jwt: boolean;
  readonly dialect: "v1" | "v2";
  readonly kinds: readonly StormKind[];
  start(port: number, cpus: string): Promise<BenchServer>;
}

const kindNames: Record<StormKind, string> = {
  json: "WebSocket JSON",
  protobuf: "WebSocket protobuf",
  sse: "SSE (bidirectional emulation)",
  bare: "WebSocket upgrade + close",
};

function setups(ctx: ScenarioContext, go: string | undefined): Setup[] {
  const rotor = (name: string, jwt: boolean, tree?: string): Setup => ({
    name,
    jwt,
    dialect: "v2",
    kinds: ["json", "protobuf", "sse"],
    start: (port, cpus) =>
      startRotor(
        port,
        cpus,
        [
          "--sse.enabled",
          ...(jwt ? ["--client.token.hmac_secret_key", secret] : []),
          ...ctx.options.rotorFlags,
        ],
        [],
        tree,
      ),
  });
  const goServer = (jwt: boolean): Setup => ({
    name: "go-centrifuge",
    jwt,
    dialect: "v1",
    kinds: ["json", "protobuf"],
    start: (port, cpus) => startGoCentrifuge(go!, port, cpus, jwt ? ["--token-hmac-secret", secret] : []),
  });
  const list: Setup[] = [];
  for (const jwt of [false, true]) {
    list.push(rotor("rotor", jwt));
    if (ctx.options.abTree) list.push(rotor(`rotor at ${ctx.options.abTree}`, jwt, ctx.options.abTree));
    if (go) list.push(goServer(jwt));
  }
  list.push({
    name: "bare node:http + ws",
    jwt: false,
    dialect: "v2",
    kinds: ["bare"],
    start: (port, cpus) => startPlainBaseline("bare-ws-server", port, cpus),
  });
  return list;
}

/** One storm of `count` connects; fails if any of them did. */
async function storm(
  load: Proc,
  server: BenchServer,
  request: Omit<StormRequest, "count" | "url">,
  count: number,
): Promise<void> {
  const r = await ask<{ failed: number; firstError: string }>(
    load.child,
    { type: "storm", ...request, url: server.url, count },
    600_000,
  );
  if (r.failed > 0) throw new Error(`${r.failed} of ${count} connects failed: ${r.firstError}`);
}

/** Connects per server CPU-second of one storm against a warmed-up server. */
async function measure(
  load: Proc,
  server: BenchServer,
  request: Omit<StormRequest, "count" | "url">,
  count: number,
): Promise<number> {
  await sleep(300);
  const cpu0 = cpuSeconds(server.proc.pid);
  await storm(load, server, request, count);
  // Let the server finish tearing the last sessions down.
  await sleep(500);
  return count / (cpuSeconds(server.proc.pid) - cpu0);
}

const key = (setup: string, kind: StormKind, jwt: boolean) => `${setup}|${kind}|${jwt}`;

/**
 * Connection storms: `inFlight` clients at a time open a new connection,
 * connect, subscribe to one channel, wait for the reply and close; the figure
 * is connects per server CPU-second (a warm-up storm of every kind first,
 * then the measured ones), for rotor beside the Go engine (WebSocket JSON and protobuf; Go's
 * Centrifuge serves no SSE) and beside a bare node:http + ws server that only
 * upgrades and closes (the floor), with and without a connection JWT. Servers
 * alternate round by round; `--ab-tree` adds another checkout's rotor.
 */
export async function runConnect(ctx: ScenarioContext): Promise<void> {
  const count = ctx.options.quick ? 500 : 5000;
  const go = await goCentrifugeBinary(ctx);
  const token = await mintConnectionToken({ secret, user: "bench", ttl: 0 });
  const load = spawnNode([stormFile], ctx.options.loadCpus, true);
  raiseFileLimit(load.pid);
  const values = new Map<string, number[]>();
  const all = setups(ctx, go);
  try {
    for (let round = 0; round < ctx.options.rounds; round++) {
      for (const setup of all) {
        const server = await setup.start(await freePort(), ctx.options.serverCpus);
        try {
          const requestOf = (kind: StormKind) => ({
            kind,
            dialect: setup.dialect,
            inFlight,
            token: setup.jwt ? token : "",
            localAddresses,
          });
          // A fresh server's first thousands of connects cost two to three times the later ones (JIT, heap
          // growth): a storm of every kind first, unmeasured, so that no kind pays for going first.
          for (const kind of setup.kinds) await storm(load, server, requestOf(kind), count);
          for (const kind of setup.kinds) {
            const request = requestOf(kind);
            const perCpuSecond = await measure(load, server, request, count);
            ctx.log(
              `connect ${setup.name}, ${kindNames[kind]}${setup.jwt ? ", JWT" : ""}: ${Math.round(perCpuSecond)} connects per CPU-second (${(1e6 / perCpuSecond).toFixed(0)} µs each)`,
            );
            const k = key(setup.name, kind, setup.jwt);
            values.set(k, [...(values.get(k) ?? []), perCpuSecond]);
          }
        } finally {
          await server.proc.stop();
        }
      }
    }
  } finally {
    await load.stop();
  }
  report(ctx, count, values);
}

function report(ctx: ScenarioContext, count: number, values: Map<string, number[]>): void {
  const bare = values.get(key("bare node:http + ws", "bare", false)) ?? [];
  const common = { scenario: "connect", metric: "connects per server CPU-second", unit: "/s" };
  for (const jwt of [false, true]) {
    for (const kind of ["json", "protobuf", "sse"] as const) {
      const rotor = values.get(key("rotor", kind, jwt)) ?? [];
      if (rotor.length === 0) continue;
      const what = `${count.toLocaleString("en-US")} × connect + subscribe + close, ${kindNames[kind]}${jwt ? ", JWT" : ""}`;
      const go = values.get(key("go-centrifuge", kind, jwt)) ?? [];
      if (go.length > 0)
        ctx.report.rows.push(
          makeRow({ ...common, case: what, baseline: "go-centrifuge", rotor, base: go }, atLeast(1)),
        );
      if (ctx.options.abTree) {
        const other = values.get(key(`rotor at ${ctx.options.abTree}`, kind, jwt)) ?? [];
        ctx.report.rows.push(
          makeRow({ ...common, case: what, baseline: `rotor at ${ctx.options.abTree}`, rotor, base: other }),
        );
      }
      if (bare.length > 0)
        ctx.report.rows.push(
          makeRow({
            ...common,
            case: what,
            baseline: "bare node:http + ws upgrade + close (floor)",
            rotor,
            base: bare,
          }),
        );
      ctx.report.figures.push(
        makeFigure({
          ...common,
          case: what,
          metric: "server CPU per connect",
          unit: "µs",
          values: rotor.map((v) => 1e6 / v),
        }),
      );
    }
  }
  if (!values.has(key("go-centrifuge", "json", false)))
    ctx.report.notes.push("connect: no Go baseline (see the go-centrifuge note)");
  ctx.report.notes.push(
    "connect: Go's Centrifuge (v0.15) serves no SSE; rotor's SSE row has only the bare floor",
  );
}
