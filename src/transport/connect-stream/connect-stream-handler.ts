import { create, toBinary } from "@bufbuild/protobuf";
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { CommandSchema } from "../../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import {
  CentrifugoUniStream,
  type ConnectRequest,
  file_centrifugal_centrifugo_unistream_unistream,
} from "../../../gen/centrifugal/centrifugo/unistream/unistream_pb.js";
import type { ClientContext } from "../../client/client-context.js";
import { ClientSession } from "../../client/session.js";
import { lengthPrefixed } from "../../protocol/varint.js";
import { ConnectStreamTransport } from "./connect-stream-transport.js";
import { pushMessage } from "./push-message.js";

/** The file that declares the service, for gRPC reflection to list when the stream is served. */
export const connectStreamFile = file_centrifugal_centrifugo_unistream_unistream;

/** The session's connect command for the request, framed as a protobuf client would send it. */
function connectFrame(req: ConnectRequest): Uint8Array {
  const subs = Object.fromEntries(
    Object.entries(req.subs).map(([channel, sub]) => [
      channel,
      { recover: sub.recover, epoch: sub.epoch, offset: sub.offset },
    ]),
  );
  const { token, data, name, version } = req;
  const command = create(CommandSchema, { id: 1, connect: { token, data, name, version, subs } });
  return lengthPrefixed(toBinary(CommandSchema, command));
}

/**
 * Stream sessions ping at `uni_grpc.heartbeat_interval` instead of
 * `client.ping_interval`: the empty pushes are what keeps proxies and
 * connect-web from timing out an idle stream, and the connect push announces
 * that interval so clients can watch for it.
 */
function heartbeatContext(ctx: ClientContext): ClientContext {
  const { config } = ctx;
  const client = { ...config.client, ping_interval: config.uni_grpc.heartbeat_interval };
  return { ...ctx, config: { ...config, client } };
}

/**
 * `centrifugal.centrifugo.unistream.CentrifugoUniStream/Consume`: a client
 * sends its ConnectRequest once and receives Push messages (the connect push
 * first) over native gRPC, gRPC-Web or the Connect protocol, until either side
 * ends the stream. Authentication is the client's token, as on every client
 * transport; refusals arrive as a disconnect push before the stream ends.
 */
export function connectStreamRoutes(ctx: ClientContext): (router: ConnectRouter) => void {
  const streamCtx = heartbeatContext(ctx);

  async function* consume(req: ConnectRequest, call: HandlerContext) {
    const json = call.requestHeader.get("content-type")?.includes("json") ?? false;
    const transport = new ConnectStreamTransport();
    const session = new ClientSession(streamCtx, transport, { grpc: call.requestHeader });
    const onAbort = () => {
      transport.abort();
      session.closedByTransport();
    };
    call.signal.addEventListener("abort", onAbort, { once: true });
    try {
      if (call.signal.aborted) return;
      session.handleFrame(connectFrame(req));
      for await (const push of transport.pushes()) yield pushMessage(push, json);
    } finally {
      call.signal.removeEventListener("abort", onAbort);
      session.closedByTransport();
    }
  }

  return (router) => {
    router.service(CentrifugoUniStream, { consume });
  };
}
