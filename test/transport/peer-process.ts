import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { CentrifugoUniStream } from "../../gen/centrifugal/centrifugo/unistream/unistream_pb.js";
import { centrifugeClient } from "../helpers/centrifuge-clients.js";
import { emulationClient } from "../helpers/transport-clients.js";
import { uniStreamGrpcJsClient } from "./connect-stream-clients.js";

type PeerKind = "grpc-js stream" | "grpc-web h2c stream" | "websocket" | "http_stream" | "sse";

/**
 * `peer-process.ts <kind> <url> <channel>`: connects one client of that kind
 * (the server must admit it without a token: `client.insecure`), subscribes it
 * to the channel — server-side for the streams, from the client for the others —
 * prints `ready` once subscribed, then holds the connection until killed.
 */
async function run(kind: PeerKind, url: string, channel: string): Promise<void> {
  const ready = () => process.stdout.write("ready\n");
  const request = { subs: { [channel]: {} } };
  switch (kind) {
    case "grpc-js stream": {
      const client = uniStreamGrpcJsClient(Number(new URL(url).port));
      const call = client.Consume!(request);
      call.once("data", ready);
      call.on("error", () => process.exit(2));
      return;
    }
    case "grpc-web h2c stream": {
      const transport = createGrpcWebTransport({ baseUrl: url, httpVersion: "2" });
      const first = createClient(CentrifugoUniStream, transport).consume(request)[Symbol.asyncIterator]();
      await first.next();
      ready();
      return;
    }
    default: {
      const client =
        kind === "websocket" ? centrifugeClient(url, "json") : emulationClient(url, kind, "json");
      const sub = client.newSubscription(channel);
      sub.once("subscribed", ready);
      sub.subscribe();
      client.connect();
    }
  }
}

const [kind, url, channel] = process.argv.slice(2) as [PeerKind, string, string];
run(kind, url, channel).catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
setInterval(() => {}, 60_000);
