import { JsonInputError } from "../../protocol/json/json-input-error.js";
import { JsonReader } from "../../protocol/json/json-reader.js";
import { readRaw } from "../../protocol/json/json-scalars.js";
import { JsonWriter } from "../../protocol/json/json-writer.js";
import { publishRequestMessage } from "../publish-request-message.js";
import { type MethodCodec, reflectiveCodec } from "./method-answer.js";
import type { HttpApiMethod } from "./method-table.js";

/** What a reader found: a message, or `undefined` when the body is not in the shape it reads. */
type Shape = object | undefined;

/** What an absent `data` decodes to: an empty payload (fresh per message, as `create` gives). */
const noData = () => new Uint8Array(0) as Uint8Array;

/** `{"channel":"…","data":…}` in any order, at `depth` (0 for the body, 3 inside a batch command). */
function readPublish(r: JsonReader, depth: number): Shape {
  if (r.peek() !== 0x7b) return undefined;
  r.checkDepth(depth);
  let channel = "";
  let data: Uint8Array | undefined;
  for (let more = r.openObject(); more; more = r.nextMember()) {
    const key = r.readKey();
    if (key === "data") data = readRaw(r, depth + 1);
    else if (key === "channel" && r.peek() === 0x22) channel = r.readString();
    else return undefined;
  }
  return publishRequestMessage(channel, data ?? noData());
}

/** `{"channels":["…",…],"data":…}` in any order. */
function readBroadcast(r: JsonReader): Shape {
  const msg = {
    $typeName: "centrifugal.centrifugo.api.BroadcastRequest",
    channels: [] as string[],
    data: noData(),
    b64data: "",
    skipHistory: false,
    tags: {},
    idempotencyKey: "",
    delta: false,
    version: 0n,
    versionEpoch: "",
  };
  if (r.peek() !== 0x7b) return undefined;
  for (let more = r.openObject(); more; more = r.nextMember()) {
    const key = r.readKey();
    if (key === "data") {
      msg.data = readRaw(r, 1);
    } else if (key === "channels" && r.peek() === 0x5b) {
      r.checkDepth(1);
      const channels: string[] = [];
      for (let item = r.openArray(); item; item = r.nextElement()) {
        if (r.peek() !== 0x22) return undefined;
        channels.push(r.readString());
      }
      msg.channels = channels;
    } else {
      return undefined;
    }
  }
  return msg;
}

/** `{"commands":[{"publish":{…}},…],"parallel":true|false}` in any order. */
function readBatch(r: JsonReader): Shape {
  const msg = {
    $typeName: "centrifugal.centrifugo.api.BatchRequest",
    commands: [] as object[],
    parallel: false,
  };
  if (r.peek() !== 0x7b) return undefined;
  for (let more = r.openObject(); more; more = r.nextMember()) {
    const key = r.readKey();
    const b = r.peek();
    if (key === "parallel" && (b === 0x74 || b === 0x66)) {
      r.literal(b === 0x74 ? "true" : "false");
      msg.parallel = b === 0x74;
    } else if (key === "commands" && b === 0x5b) {
      r.checkDepth(1);
      const commands: object[] = [];
      for (let item = r.openArray(); item; item = r.nextElement()) {
        if (r.peek() !== 0x7b) return undefined;
        r.checkDepth(2);
        if (!r.openObject() || r.readKey() !== "publish") return undefined;
        const publish = readPublish(r, 3);
        if (publish === undefined || r.nextMember()) return undefined;
        commands.push({ $typeName: "centrifugal.centrifugo.api.Command", publish });
      }
      msg.commands = commands;
    } else {
      return undefined;
    }
  }
  return msg;
}

const readers: Record<string, (r: JsonReader) => Shape> = {
  publish: (r) => readPublish(r, 0),
  broadcast: readBroadcast,
  batch: readBatch,
};

/** A publish result's fields as Centrifugo's JSON has them: zero offset and empty epoch left out. */
function writeResult(w: JsonWriter, result: { offset?: bigint; epoch?: string }): void {
  const offset = result.offset ?? 0n;
  const epoch = result.epoch ?? "";
  const noOffset = Number(offset) === 0;
  w.ascii(noOffset ? "{" : `{"offset":${offset}`);
  if (epoch !== "") {
    w.ascii(noOffset ? '"epoch":' : ',"epoch":');
    w.string(epoch);
  }
  w.ascii("}");
}

type Published = { result?: { offset?: bigint; epoch?: string }; error?: unknown };

/** A publish response, or a batch's replies, when each holds a publish result; undefined for anything else. */
function writeResponse(name: string, response: object): Buffer | undefined {
  const w = new JsonWriter();
  if (name === "publish") {
    const { result, error } = response as Published;
    if (result === undefined || error !== undefined) return undefined;
    w.ascii('{"result":');
    writeResult(w, result);
    w.ascii("}");
    return w.finish();
  }
  if (name !== "batch") return undefined;
  const replies = (response as { replies: { publish?: Published["result"]; error?: unknown }[] }).replies;
  if (replies.length === 0) return undefined;
  w.ascii('{"replies":[');
  for (let i = 0; i < replies.length; i++) {
    const reply = replies[i]!;
    if (reply.publish === undefined || reply.error !== undefined) return undefined;
    w.ascii(i === 0 ? '{"publish":' : ',{"publish":');
    writeResult(w, reply.publish);
    w.ascii("}");
  }
  w.ascii("]}");
  return w.finish();
}

/**
 * The codec of the publish path: publish, broadcast and batch bodies in
 * their common shape (only the keys above, exact case) are read straight
 * into their messages, and publish results written straight out, without
 * walking descriptors. Anything else — another key, another case, a value
 * of another type, any malformed JSON, an error in a reply — goes to the
 * reflective codec, so messages, bytes and every error's wording are its own.
 */
export const publishCodec: MethodCodec = {
  decode(method: HttpApiMethod, body: Buffer) {
    const read = readers[method.name];
    if (read !== undefined) {
      try {
        const r = new JsonReader(body);
        const value = read(r);
        if (value !== undefined && r.peek() === -1) return { value };
      } catch (err) {
        if (!(err instanceof JsonInputError)) throw err;
      }
    }
    return reflectiveCodec.decode(method, body);
  },
  encode(method: HttpApiMethod, response: object) {
    const body = writeResponse(method.name, response);
    return body === undefined ? reflectiveCodec.encode(method, response) : { value: body };
  },
};
