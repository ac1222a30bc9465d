import { after, before, describe, test } from "node:test";
import { clientProtocols } from "../helpers/centrifuge-clients.js";
import { backendTransports } from "./backends/backends.js";
import { outcomeCases } from "./outcome-cases.js";
import { Clients, type ProxyEnv, startProxyEnv } from "./proxy-fixture.js";

for (const transport of backendTransports) {
  describe(`proxy outcomes over ${transport}`, { concurrency: true }, () => {
    let env: ProxyEnv;
    before(async () => {
      env = await startProxyEnv(transport);
      for (const c of outcomeCases) {
        for (const protocol of clientProtocols) {
          const caseName = `${c.kind}-${c.outcome}-${protocol}`;
          if (c.behaviours) env.script.define(caseName, c.behaviours(caseName));
        }
      }
    });
    after(() => env.close());

    for (const c of outcomeCases) {
      if (c.streams && transport === "http") continue;
      for (const protocol of clientProtocols) {
        const caseName = `${c.kind}-${c.outcome}-${protocol}`;
        test(`${c.kind}: ${c.outcome} (${protocol})`, async () => {
          const clients = new Clients(protocol, caseName);
          try {
            const server = c.outcome === "down" ? env.down : env.live;
            await c.run({ env, server, clients, caseName, protocol });
          } finally {
            clients.close();
          }
        });
      }
    }
  });
}
