import { fileURLToPath } from "node:url";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { startBaseline, startRotor } from "../lib/bench-server.js";
import { localAddresses } from "../lib/fleet.js";
import { ask } from "../lib/ipc.js";
import { freePort, type Proc, raiseFileLimit, spawnNode } from "../lib/processes.js";
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

/** Connections per second rotor accepts with `variant`: a fresh rotor, a warm-up, then `count` connects. */
async function connectsPerSecond(
  ctx: ScenarioContext,
  variant: Variant,
  backend: { http: number; grpc: number },
  count: number,
  token: string,
): Promise<number> {
  const port = await freePort();
  const rotor = await startRotor(port, ctx.options.serverCpus, variant.flags(backend));
  const load: Proc = spawnNode([connectorsFile], ctx.options.loadCpus, true);
  try {
    raiseFileLimit(load.pid);
    raiseFileLimit(rotor.proc.pid);
    const request = { url: rotor.url, inFlight, token: variant === jwt ? token : "", localAddresses };
    await ask(load.child, { type: "connect", ...request, count: Math.min(200, count) });
    await ask(load.child, { type: "close" });
    const run = await ask<{ ms: number; failed: number; firstError: string }>(load.child, {
      type: "connect",
      ...request,
      count,
    });
    if (run.failed > 0) throw new Error(`${run.failed} of ${count} connects failed: ${run.firstError}`);
    await ask(load.child, { type: "close" });
    return count / (run.ms / 1000);
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
    const values = new Map<Variant, number[]>([jwt, ...proxied].map((v) => [v, []]));
    for (let round = 0; round < ctx.options.rounds; round++) {
      for (const variant of [jwt, ...proxied]) {
        const rate = await connectsPerSecond(ctx, variant, backend, count, token);
        ctx.log(`proxy round ${round + 1}, ${variant.name}: ${Math.round(rate)} connects/s`);
        values.get(variant)!.push(rate);
      }
    }
    for (const variant of proxied) {
      ctx.report.rows.push(
        makeRow({
          scenario: "proxy",
          case: `${count.toLocaleString("en-US")} connects, ${inFlight} in flight, through the connect proxy over ${variant.name}`,
          metric: "connects/s",
          unit: "connects/s",
          baseline: "the same connects with a JWT",
          rotor: values.get(variant)!,
          base: values.get(jwt)!,
        }),
      );
    }
  } finally {
    await server.proc.stop();
  }
}
