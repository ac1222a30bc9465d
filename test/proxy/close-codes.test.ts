import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import WebSocket from "ws";
import type { RotorServer } from "../../src/server/rotor-server.js";
import { startLoggedServer } from "../helpers/logged-server.js";
import { startBackend } from "./backends/backends.js";
import { caseHeader, Script } from "./backends/script.js";
import type { TestBackend } from "./backends/test-backend.js";

const script = new Script();
let lines: Record<string, unknown>[] = [];
let backend: TestBackend;
let server: RotorServer;

before(async () => {
  backend = await startBackend("http", script);
  ({ server, lines } = await startLoggedServer({
    http_api: { key: "close-codes-key" },
    client: {
      proxy: { connect: { enabled: true, ...backend.proxy("Connect"), emulated_headers: [caseHeader] } },
    },
  }));
});
after(async () => {
  await server.close();
  await backend.close();
});

/** Connects over a raw WebSocket as case `name`; the close code and reason the server sends. */
function closeOf(name: string): Promise<{ code: number; reason: string }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/connection/websocket`);
  ws.on("open", () => ws.send(JSON.stringify({ id: 1, connect: { headers: { [caseHeader]: name } } })));
  return new Promise((resolve, reject) => {
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on("error", reject);
  });
}

test("disconnect codes a WebSocket cannot carry (0, 1005, 2000, 99999) close with 3503 and the backend's reason; one warning, no stack", async () => {
  for (const code of [0, 1005, 2000, 99999]) {
    script.define(`code-${code}`, {
      Connect: { answer: { disconnect: { code, reason: `go away ${code}` } } },
    });
    assert.deepEqual(await closeOf(`code-${code}`), { code: 3503, reason: `go away ${code}` });
  }
  script.define("legal", { Connect: { answer: { disconnect: { code: 4321, reason: "legal" } } } });
  assert.deepEqual(await closeOf("legal"), { code: 4321, reason: "legal" }, "a legal code is kept");
  const warned = lines.filter((l) => String(l.msg).includes("cannot carry"));
  assert.equal(warned.length, 1, JSON.stringify(lines));
  assert.equal(warned[0]!.level, 40);
  assert.deepEqual(
    lines.filter((l) => (l.level as number) >= 50 || "err" in l),
    [],
    "nothing at error level, no stack",
  );
});
