import { apiErrors } from "../api-errors.js";

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes standard padded base64 (what Centrifugo's b64data accepts) and
 * rejects anything else with 107, unlike Buffer's lenient decoder.
 */
function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/[\r\n]/g, "");
  if (!base64.test(clean)) throw apiErrors.badRequest();
  return Buffer.from(clean, "base64");
}

/** The payload of a request: `b64data` when set replaces `data`. */
export function payload(data: Uint8Array, b64data: string): Uint8Array {
  return b64data !== "" ? decodeBase64(b64data) : data;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function parseJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(data));
  } catch {
    return undefined;
  }
}

/**
 * Checks a payload against the namespace's publication_data_format: by
 * default it must not be empty; "json" and "json_object" also parse it.
 */
export function checkDataFormat(data: Uint8Array, format: string): void {
  switch (format) {
    case "binary":
      return;
    case "json":
      if (data.length === 0 || parseJson(data) === undefined) throw apiErrors.badRequest();
      return;
    case "json_object": {
      const value = data.length === 0 ? undefined : parseJson(data);
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw apiErrors.badRequest();
      return;
    }
    default:
      if (data.length === 0) throw apiErrors.badRequest();
  }
}
