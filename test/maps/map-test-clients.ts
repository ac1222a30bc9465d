import type { Centrifuge } from "centrifuge";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { type ClientProtocol, centrifugeClient, connected } from "../helpers/centrifuge-clients.js";

/**
 * Connects real SDK clients to a test server as a user ("" = anonymous, with
 * no token) and keeps them, so a suite disconnects them all at its end.
 */
export function mapTestClients(secret: string, url: () => string) {
  const clients: Centrifuge[] = [];
  return {
    async connect(protocol: ClientProtocol, user: string): Promise<{ client: Centrifuge; id: string }> {
      const token = user === "" ? undefined : await mintConnectionToken({ secret, user, ttl: 3_600_000 });
      const client = centrifugeClient(url(), protocol, token ? { token } : {});
      clients.push(client);
      const ctx = await connected(client);
      return { client, id: ctx.client };
    },
    disconnectAll(): void {
      for (const c of clients.splice(0)) c.disconnect();
    },
  };
}
