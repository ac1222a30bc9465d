import { ErrorSchema } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import type { RotorError } from "../../errors/rotor-error.js";
import { decodeJsonMessage } from "../../protocol/json/json-decode.js";
import { writeJsonMessage } from "../../protocol/json/json-encode.js";
import { JsonInputError } from "../../protocol/json/json-input-error.js";
import { JsonReader } from "../../protocol/json/json-reader.js";
import { JsonWriter } from "../../protocol/json/json-writer.js";
import { apiErrors } from "../api-errors.js";
import type { ApiService } from "../api-service.js";
import { type LegacyCommand, readLegacyCommand } from "./legacy-command.js";

type Outcome = { error: RotorError } | { result: object };

/** What the whole request comes to: the reply lines, or a failure of the request itself. */
export type LegacyStreamResult = { value: Buffer } | { status: 400 | 500; error: string };

async function execute(service: ApiService, command: LegacyCommand): Promise<Outcome> {
  const method = command.method;
  if (method?.run === undefined || method.run === "batch") return { error: apiErrors.notFound() };
  if (command.params === undefined && method.name !== "info") return { error: apiErrors.badRequest() };
  const decoded = decodeJsonMessage(method.input, command.params ?? Buffer.from("{}"));
  if ("error" in decoded) return { error: apiErrors.badRequest() };
  return service.call(method.run, decoded.value as never);
}

function writeReply(w: JsonWriter, command: LegacyCommand, outcome: Outcome): string | undefined {
  w.ascii(command.id ? `{"id":${command.id},` : "{");
  let error: string | undefined;
  if ("error" in outcome) {
    w.ascii('"error":');
    error = writeJsonMessage(w, ErrorSchema, outcome.error);
  } else {
    w.ascii('"result":');
    error = writeJsonMessage(w, command.method!.result!, outcome.result);
  }
  w.ascii("}");
  return error;
}

/**
 * Runs the legacy `POST /api` body: JSON commands separated by whitespace,
 * decoded and executed one at a time in order; replies joined by `\n` with no
 * trailing newline. A command that cannot be read (bad JSON, unknown method
 * name) fails the request with 400, even though the commands before it ran,
 * as in Centrifugo. Bad `params` are that command's reply 107.
 */
export async function runLegacyStream(service: ApiService, body: Buffer): Promise<LegacyStreamResult> {
  const r = new JsonReader(body);
  const w = new JsonWriter();
  let count = 0;
  while (r.peek() !== -1) {
    let command: LegacyCommand;
    try {
      command = readLegacyCommand(r);
    } catch (err) {
      if (!(err instanceof JsonInputError)) throw err;
      return { status: 400, error: `command ${count}: ${err.describe()}` };
    }
    if (count++ > 0) w.ascii("\n");
    const error = writeReply(w, command, await execute(service, command));
    if (error !== undefined) return { status: 500, error };
  }
  return { value: w.finish() };
}
