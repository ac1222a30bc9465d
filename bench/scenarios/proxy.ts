import { fileURLToPath } from "node:url";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { startBaseline, startRotor } from "../lib/bench-server.js";
import { localAddresses } from "../lib/fleet.js";
import { ask } from "../lib/ipc.js";
import { cpuSeconds, freePort, type Proc, raiseFileLimit, spawnNode } from "../lib/processes.js";
import { makeRow } from "../lib/report.js";
import type { ScenarioContext } from "./context.js";

const connectorsFile = fileURLToPath(new URL("../load/connectors.ts", import.meta.url));
const secret = "bench-proxy-secret";
const inFlight = 50;

interface Variant {
  readonly name: string;
  /** rotor's flags for it; the token the clients send (empty: the connect proxy decides). */
  flags(backend: { http: number; grpc: number }): string[];
}

const jwt: Variant = { name: "JWT", flags: () => ["--client.token.hmac_secret_key", secret] };
const proxied: Variant[] = [
  {
    name: "HTTP JSON",
    flags: (b) => [
      "--client.proxy.connect.enabled",
      "--client.proxy.connect.endpoint",
      `http://127.0.0.1:${b.http}/connect`,
    ],
  },
  {
    name: "gRPC",
    flags: (b) => [
      "--client.proxy.connect.enabled",
      "--client.proxy.connect.endpoint",
      `grpc://127.0.0.1:${b.grpc}`,
    ],
  },
];

interface Rates {
  /** Connects per second of wall time. */
  readonly perSecond: number;
  /** Connects per second of rotor's CPU time: what one connect costs rotor, whoever else is busy. */
  readonly perCpuSecond: number;
}

/** How fast rotor accepts connections with `variant`: a fresh rotor, a warm-up, then `count` connects. */
async function connectRates(
  ctx: ScenarioContext,
  variant: Variant,
  backend: { http: number; grpc: number },
  count: number,
  token: string,
): Promise<Rates> {
  const port = await freePort();
  const rotor = await startRotor(port, ctx.options.serverCpus, variant.flags(backend));
  const load: Proc = spawnNode([connectorsFile], ctx.options.loadCpus, true);
  try {
    raiseFileLimit(load.pid);
    raiseFileLimit(rotor.proc.pid);
    const request = { url: rotor.url, inFlight, token: variant === jwt ? token : "", localAddresses };
    await ask(load.child, { type: "connect", ...request, count: Math.min(200, count) });
    await ask(load.child, { type: "close" });
    const cpu0 = cpuSeconds(rotor.proc.pid);
    const run = await ask<{ ms: number; failed: number; firstError: string }>(load.child, {
      type: "connect",
      ...request,
      count,
    });
    const cpu = cpuSeconds(rotor.proc.pid) - cpu0;
    if (run.failed > 0) throw new Error(`${run.failed} of ${count} connects failed: ${run.firstError}`);
    await ask(load.child, { type: "close" });
    return { perSecond: count / (run.ms / 1000), perCpuSecond: count / cpu };
  } finally {
    await load.stop();
    await rotor.proc.stop();
  }
}

/**
 * Proxy: how many connections per second rotor accepts when the connect proxy
 * (HTTP JSON or gRPC) authenticates each one, beside the same connections
 * authenticated by a JWT. The backend answers at once (so the figure is the
 * proxy call's cost to rotor) and runs on the load CPUs.
 */
export async function runProxy(ctx: ScenarioContext): Promise<void> {
  const count = ctx.options.quick ? 500 : 3000;
  const backend = { http: await freePort(), grpc: await freePort() };
  const server = await startBaseline("proxy-backend", backend.http, ctx.options.loadCpus, [
    "--grpc-port",
    String(backend.grpc),
  ]);
  const token = await mintConnectionToken({ secret, user: "bench", ttl: 0 });
  try {
    const values = new Map<Variant, Rates[]>([jwt, ...proxied].map((v) => [v, []]));
    for (let round = 0; round < ctx.options.rounds; round++) {
      for (const variant of [jwt, ...proxied]) {
        const rates = await connectRates(ctx, variant, backend, count, token);
        ctx.log(
          `proxy round ${round + 1}, ${variant.name}: ${Math.round(rates.perSecond)} connects/s, ${Math.round(rates.perCpuSecond)} per rotor CPU-second`,
        );
        values.get(variant)!.push(rates);
      }
    }
    const metrics = [
      ["connects/s", "connects/s", (r: Rates) => r.perSecond],
      ["connects per rotor CPU-second", "connects/CPU-s", (r: Rates) => r.perCpuSecond],
    ] as const;
    for (const variant of proxied) {
      for (const [metric, unit, pick] of metrics) {
        ctx.report.rows.push(
          makeRow({
            scenario: "proxy",
            case: `${count.toLocaleString("en-US")} connects, ${inFlight} in flight, through the connect proxy over ${variant.name}`,
            metric,
            unit,
            baseline: "the same connects with a JWT",
            rotor: values.get(variant)!.map(pick),
            base: values.get(jwt)!.map(pick),
          }),
        );
      }
    }
  } finally {
    await server.proc.stop();
  }
}
