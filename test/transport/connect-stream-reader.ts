import { type GrpcJsPush, seenFromGrpcJs, uniStreamGrpcJsClient } from "./connect-stream-clients.js";

/**
 * A consumer in its own process: `connect-stream-reader.ts <port> <token>`
 * prints each push as a JSON line, then `{"end": …}` when the stream ends.
 * Tests stop it with SIGSTOP to get a client that reads nothing at all, down to
 * the socket, which no client sharing the test's event loop can promise.
 */
const [port, token] = process.argv.slice(2);
const client = uniStreamGrpcJsClient(Number(port));
const line = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const call = client.Consume!({ token });
call.on("data", (push: GrpcJsPush) => line(seenFromGrpcJs(push)));
call.on("end", () => {
  line({ end: "ok" });
  client.close();
});
call.on("error", (err: Error) => {
  line({ end: err.message });
  client.close();
});
