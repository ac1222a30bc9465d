import WebSocket from "ws";

// biome-ignore lint/suspicious/noExplicitAny: JSON protocol frames of any shape
type Json = Record<string, any>;

/**
 * A client speaking the JSON client protocol over WebSocket frame by frame,
 * so a test sees every push the server sends (the SDK drops repeats itself).
 */
export async function rawClient(baseUrl: string, token: string) {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/connection/websocket`);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  const pending = new Map<number, (reply: Json) => void>();
  const pushes: Json[] = [];
  const waiters: { match: () => boolean; resolve: () => void }[] = [];
  let nextId = 1;
  ws.on("message", (raw) => {
    for (const line of raw.toString().split("\n")) {
      if (line === "") continue;
      const msg = JSON.parse(line) as Json;
      if (msg.id) {
        pending.get(msg.id)?.(msg);
        pending.delete(msg.id);
      } else if (msg.push) {
        pushes.push(msg.push);
      } else if (Object.keys(msg).length === 0) {
        ws.send("{}");
      }
    }
    for (const w of [...waiters]) {
      if (!w.match()) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const call = (command: Json): Promise<Json> => {
    const id = nextId++;
    ws.send(JSON.stringify({ id, ...command }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${JSON.stringify(command)}`)), 5000);
      pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
  };
  await call({ connect: { token } });
  return {
    call,
    pushes,
    /** Publications pushed for a channel, in arrival order. */
    pubs: (channel: string) => pushes.filter((p) => p.channel === channel && p.pub).map((p) => p.pub as Json),
    /** Resolves once `match` holds for what arrived (checked on each message), or fails after a timeout. */
    until(match: () => boolean, timeoutMs = 5000): Promise<void> {
      if (match()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error("timed out waiting for pushes"));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close: () => ws.close(),
  };
}
