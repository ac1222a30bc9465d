import { isUtf8 } from "node:buffer";
import { create, fromBinary, toBinary, toJsonString } from "@bufbuild/protobuf";
import fc from "fast-check";
import WebSocket from "ws";
import {
  CommandSchema,
  ConnectRequestSchema,
  type Reply,
  ReplySchema,
} from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import { disconnects } from "../../src/errors/disconnect.js";
import { ErrorCode } from "../../src/errors/rotor-error.js";
import { encodeJsonMessage } from "../../src/protocol/json/json-encode.js";
import { lengthPrefixed, readVarint } from "../../src/protocol/varint.js";
import { messageArb, type ValuePools } from "./message-arbitrary.js";
import { mutated, samples } from "./mutations.js";

/** One fuzzed connection: the frames it sends, in order. */
export interface FrameSession {
  readonly protocol: "json" | "protobuf";
  readonly frames: Uint8Array[];
}

const requests = CommandSchema.fields.filter((f) => f.fieldKind === "message");

function encodeCommand(init: Record<string, unknown>, protocol: FrameSession["protocol"]): Uint8Array {
  const command = create(CommandSchema, init);
  if (protocol === "protobuf") return lengthPrefixed(toBinary(CommandSchema, command));
  const encoded = encodeJsonMessage(CommandSchema, command);
  // Bytes that are not JSON cannot be embedded raw: send them as protobuf's JSON would (base64).
  return "value" in encoded ? encoded.value : Buffer.from(toJsonString(CommandSchema, command));
}

function frameOf(commands: Uint8Array[], protocol: FrameSession["protocol"]): Uint8Array {
  if (protocol === "protobuf") return Buffer.concat(commands);
  return Buffer.concat(commands.flatMap((c, i) => (i === 0 ? [c] : [Buffer.from("\n"), c])));
}

/**
 * Connections built from the client protocol's own messages: usually a
 * connect first (with a token from the pools), then frames of one to three
 * commands of any kind with any fields, each frame sometimes damaged.
 */
export function frameSessionArb(pools: ValuePools): fc.Arbitrary<FrameSession> {
  const id = fc.oneof(
    { weight: 9, arbitrary: fc.integer({ min: 1, max: 1000 }) },
    fc.constantFrom(0, 2 ** 32 - 1),
  );
  const command = fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(id, fc.constantFrom(...requests))
        .chain(([n, field]) =>
          messageArb(field.message!, pools).map((value) => ({ id: n, [field.localName]: value })),
        ),
    },
    messageArb(CommandSchema, pools, 1),
  );
  const connect = messageArb(ConnectRequestSchema, pools).map((value) => ({ id: 1, connect: value }));
  return fc
    .record({
      protocol: fc.constantFrom("json" as const, "protobuf" as const),
      opening: fc.option(connect, { freq: 5 }),
      frames: fc.array(fc.array(command, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 }),
    })
    .chain(({ protocol, opening, frames }) => {
      const plain = (opening ? [[opening], ...frames] : frames).map((commands) =>
        frameOf(
          commands.map((c) => encodeCommand(c, protocol)),
          protocol,
        ),
      );
      return fc.tuple(...plain.map((frame) => mutated(fc.constant(frame)))).map((damaged) => ({
        protocol,
        frames: damaged,
      }));
    });
}

const documentedCloses = new Set<number>([
  ...Object.values(disconnects).map((d) => d.code),
  1000, // the client's own close, echoed
  1009, // a frame over websocket.message_size_limit
]);
const documentedErrors = new Set<number>(Object.values(ErrorCode));

/** What a fuzz run saw: counts, the codes that came back, and anything undocumented. */
export interface FrameReport {
  frames: number;
  connections: number;
  replies: number;
  closeCodes: Record<number, number>;
  errorCodes: Record<number, number>;
  undocumented: string[];
}

function replies(data: Buffer, protocol: FrameSession["protocol"]): Reply[] {
  if (protocol === "json") {
    return data
      .toString()
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => fromJsonReply(line));
  }
  const out: Reply[] = [];
  for (let at = 0; at < data.length; ) {
    const length = readVarint(data, at);
    if (!length) throw new Error("cut varint");
    out.push(fromBinary(ReplySchema, data.subarray(length.next, length.next + length.value)));
    at = length.next + length.value;
  }
  return out;
}

function fromJsonReply(line: string): Reply {
  const value = JSON.parse(line) as {
    id?: number;
    error?: { code: number };
    push?: { disconnect?: { code: number } };
  };
  return create(ReplySchema, {
    id: value.id ?? 0,
    error: value.error ? { code: value.error.code } : undefined,
    push: value.push?.disconnect ? { disconnect: { code: value.push.disconnect.code } } : undefined,
  });
}

/** Plays one session against `/connection/websocket`; resolves once the server closed it or it went quiet. */
function play(url: string, session: FrameSession, report: FrameReport): Promise<void> {
  const query = session.protocol === "protobuf" ? "?format=protobuf" : "";
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/connection/websocket${query}`);
  report.connections++;
  return new Promise((resolve) => {
    let quiet: NodeJS.Timeout | undefined;
    const settle = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => ws.close(1000), 20);
    };
    ws.on("open", () => {
      for (const frame of session.frames) {
        report.frames++;
        // JSON goes as text when it can, as centrifuge-js sends it; bytes that are not UTF-8 go as binary.
        ws.send(frame, { binary: session.protocol === "protobuf" || !isUtf8(frame) });
      }
      settle();
    });
    ws.on("message", (data: Buffer) => {
      settle();
      try {
        for (const reply of replies(data, session.protocol)) {
          report.replies++;
          if (reply.error) {
            report.errorCodes[reply.error.code] = (report.errorCodes[reply.error.code] ?? 0) + 1;
            if (!documentedErrors.has(reply.error.code))
              report.undocumented.push(`error ${reply.error.code}`);
          }
        }
      } catch (err) {
        report.undocumented.push(
          `undecodable reply (${(err as Error).message}): ${data.subarray(0, 80).toString("hex")}`,
        );
      }
    });
    ws.on("error", () => {});
    ws.on("close", (code) => {
      clearTimeout(quiet);
      report.closeCodes[code] = (report.closeCodes[code] ?? 0) + 1;
      if (!documentedCloses.has(code)) report.undocumented.push(`close ${code}`);
      resolve();
    });
  });
}

/**
 * Sends at least `count` fuzzed frames (seeded, so a run can be repeated) over
 * `concurrency` WebSocket connections at a time and reports what came back.
 */
export async function fuzzClientFrames(
  url: string,
  pools: ValuePools,
  o: { count: number; seed: number; concurrency?: number },
): Promise<FrameReport> {
  const report: FrameReport = {
    frames: 0,
    connections: 0,
    replies: 0,
    closeCodes: {},
    errorCodes: {},
    undocumented: [],
  };
  const sessions = samples(frameSessionArb(pools), o.seed, Number.MAX_SAFE_INTEGER);
  const worker = async () => {
    while (report.frames < o.count) {
      const next = sessions.next();
      if (next.done) return;
      await play(url, next.value, report);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 32 }, worker));
  return report;
}
