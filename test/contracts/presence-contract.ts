import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { PresenceManager } from "../../src/core/presence-manager.js";

/** What every presence manager must do, run for one engine: `open` makes a fresh, started one. */
export function presenceContract(name: string, open: () => Promise<PresenceManager>): void {
  describe(`presence contract: ${name}`, () => {
    test("entries by client, stats by client and user, a repeated add refreshes, a removal forgets", async () => {
      const m = await open();
      await m.addPresence("ch", "c1", { user: "u1", client: "c1" });
      await m.addPresence("ch", "c2", { user: "u1", client: "c2" });
      await m.addPresence("ch", "c3", { user: "u2", client: "c3", connInfo: Buffer.from('{"a":1}') });
      await m.addPresence("ch", "c3", { user: "u2", client: "c3", connInfo: Buffer.from('{"a":1}') });
      assert.deepEqual(await m.presenceStats("ch"), { numClients: 3, numUsers: 2 });
      assert.deepEqual([...(await m.presence("ch")).keys()].sort(), ["c1", "c2", "c3"]);
      assert.equal(Buffer.from((await m.presence("ch")).get("c3")!.connInfo!).toString(), '{"a":1}');
      await m.removePresence("ch", "c1", "u1");
      await m.removePresence("ch", "c3", "u2");
      assert.deepEqual(await m.presenceStats("ch"), { numClients: 1, numUsers: 1 });
      assert.deepEqual([...(await m.presence("other")).keys()], []);
      await m.close();
    });
  });
}
