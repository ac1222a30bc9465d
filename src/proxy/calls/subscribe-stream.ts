import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  CentrifugoProxy,
  type StreamSubscribeRequestSchema,
  type StreamSubscribeResponse,
} from "../../../gen/centrifugal/centrifugo/proxy/proxy_pb.js";
import { errors } from "../../errors/rotor-error.js";
import type { BackendProxy, ProxyClient } from "../backend-proxy.js";
import { createRequestQueue } from "../request-queue.js";
import { overrideOf, refuseIfAsked } from "./answer.js";
import { grantOf, type SubscribeGrant, subscribeRequest } from "./subscribe.js";

/** A publication the backend streams to one subscriber. */
export interface StreamPublication {
  readonly data: Uint8Array;
  readonly tags: Readonly<Record<string, string>>;
}

/** How a backend stream ended by itself: `eof` unsubscribes with 2000, `error` with 2500. */
export type StreamEnd = "eof" | "error";

/** An open subscribe stream, after the backend allowed the subscription. */
export interface SubscribeStream {
  readonly grant: SubscribeGrant;
  /** Starts reading the backend's publications; `onEnd` is not called after `cancel`. */
  run(onPublication: (pub: StreamPublication) => void, onEnd: (end: StreamEnd) => void): void;
  /** Bidirectional streams: sends a client publication to the backend; false when its queue is full. */
  readonly publish: ((data: Uint8Array) => boolean) | undefined;
  /** Ends the stream (unsubscribe, disconnect). */
  cancel(): void;
}

/** Client publications a bidirectional stream holds while the backend is not reading. */
const maxQueuedPublications = 256;

type Request = MessageInitShape<typeof StreamSubscribeRequestSchema>;

async function* once<T>(item: T): AsyncGenerator<T> {
  yield item;
}

/**
 * Opens a subscribe stream (`SubscribeUnidirectional`, or
 * `SubscribeBidirectional` with `subscribe_stream_proxy_bidirectional`). The
 * first message must carry the subscribe answer within the proxy's timeout,
 * else the subscribe fails with 100; `error` refuses (without `temporary`),
 * `disconnect` ends the connection. Recovery and positioning do not apply:
 * the publications come only from this stream, to this subscriber.
 */
export async function openSubscribeStream(
  proxy: BackendProxy,
  client: ProxyClient,
  channel: string,
  data: Uint8Array,
  bidirectional: boolean,
): Promise<SubscribeStream> {
  const controller = new AbortController();
  const request = subscribeRequest(proxy, client, channel, data);
  const queue = createRequestQueue<Request>(maxQueuedPublications);
  const cancel = () => {
    queue.end();
    controller.abort();
  };
  const timer = setTimeout(cancel, proxy.options.timeout);
  let first: IteratorResult<StreamSubscribeResponse>;
  let messages: AsyncIterator<StreamSubscribeResponse>;
  try {
    if (bidirectional) queue.push({ subscribeRequest: request });
    const opened = bidirectional
      ? await proxy.stream(CentrifugoProxy.method.subscribeBidirectional, queue, client, controller.signal)
      : await proxy.stream(
          CentrifugoProxy.method.subscribeUnidirectional,
          once(request),
          client,
          controller.signal,
        );
    if ("failure" in opened) throw errors.internal();
    messages = opened.messages[Symbol.asyncIterator]();
    first = await messages.next();
  } catch {
    cancel();
    throw errors.internal();
  } finally {
    clearTimeout(timer);
  }
  const answer = first.done ? undefined : first.value.subscribeResponse;
  if (!answer) {
    cancel();
    throw errors.internal();
  }
  try {
    refuseIfAsked(answer, false);
  } catch (err) {
    cancel();
    throw err;
  }
  const r = answer.result;
  const o = overrideOf(r?.override);
  const override = {
    presence: o?.presence,
    joinLeave: o?.joinLeave,
    forcePushJoinLeave: o?.forcePushJoinLeave,
  };
  let grant: SubscribeGrant;
  try {
    grant = grantOf(r, override);
  } catch (err) {
    cancel();
    throw err;
  }
  return {
    grant,
    publish: bidirectional ? (payload) => queue.push({ publication: { data: payload } }) : undefined,
    cancel,
    run(onPublication, onEnd) {
      void (async () => {
        let end: StreamEnd = "eof";
        try {
          for (let next = await messages.next(); !next.done; next = await messages.next()) {
            if (controller.signal.aborted) return;
            const pub = next.value.publication;
            if (pub) onPublication({ data: pub.data, tags: pub.tags });
          }
        } catch {
          end = "error";
        }
        if (controller.signal.aborted) return;
        cancel();
        onEnd(end);
      })();
    },
  };
}
