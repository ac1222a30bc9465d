import type { JsonReadOptions } from "@bufbuild/protobuf";

const utf8 = new TextDecoder();
const surrogate = /[\ud800-\udfff]/;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The text with every half of a surrogate pair that lacks its other half replaced by U+FFFD. */
export function wellFormed(text: string): string {
  return text.replace(loneSurrogate, "\ufffd");
}

/**
 * How connect-es turns JSON request bodies (Connect JSON, gRPC and gRPC-Web
 * `+json`) into text. V8 names the character where JSON is invalid by its
 * UTF-16 code unit, so text holding characters beyond the BMP can fail with a
 * message that carries half a surrogate pair; connect-es cannot percent-encode
 * that into `grpc-message`, and the reply then leaves without its status. Such
 * text is checked here first and fails with a well-formed message, which
 * connect-es reports as InvalidArgument like any other bad JSON.
 */
const jsonTextDecoder = {
  decode(data?: Uint8Array): string {
    const text = utf8.decode(data);
    if (surrogate.test(text)) {
      try {
        JSON.parse(text);
      } catch (err) {
        throw new SyntaxError(`cannot decode message from JSON: ${wellFormed((err as Error).message)}`);
      }
    }
    return text;
  },
};

/** connect-es `jsonOptions` for rotor's routes: its defaults, read through `jsonTextDecoder` (a documented serialization option that the handler type leaves out). */
export const connectJsonOptions = { textDecoder: jsonTextDecoder } as Partial<JsonReadOptions>;
