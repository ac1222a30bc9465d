import type { ClientInfo } from "../core/publication.js";

/** A payload column as read: JSONB as its text (see PostgresClient), BYTEA as bytes. */
export type PayloadColumn = string | Buffer | null;

/** The publisher columns Centrifugo's outbox tables share. */
export interface PublisherColumns {
  client_id: string | null;
  user_id: string | null;
  conn_info: PayloadColumn;
  chan_info: PayloadColumn;
}

const empty = new Uint8Array();

/** A payload column as bytes: JSONB text is UTF-8 encoded, BYTEA is already bytes. */
export function payloadBytes(value: PayloadColumn): Uint8Array {
  if (value === null) return empty;
  return typeof value === "string" ? Buffer.from(value) : value;
}

/** The payload for a payload column: JSON text for the JSONB variant, bytes for BYTEA. */
export function payloadParam(bytes: Uint8Array | undefined, binary: boolean): string | Buffer | null {
  if (!bytes || bytes.length === 0) return null;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return binary ? buffer : buffer.toString();
}

/** The publisher of a row, none when both ids are NULL. */
export function rowInfo(row: PublisherColumns): ClientInfo | undefined {
  if (row.client_id === null && row.user_id === null) return undefined;
  const connInfo = payloadBytes(row.conn_info);
  const chanInfo = payloadBytes(row.chan_info);
  return {
    user: row.user_id ?? "",
    client: row.client_id ?? "",
    connInfo: connInfo.length > 0 ? connInfo : undefined,
    chanInfo: chanInfo.length > 0 ? chanInfo : undefined,
  };
}

/**
 * Tags as the protocol carries them, string to string: SQL callers may
 * write other JSON values, which are passed on as their JSON text. Throws
 * when the column is not a JSON object.
 */
export function rowTags(text: string | null): Record<string, string> | undefined {
  if (text === null) return undefined;
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error("tags are not a JSON object");
  }
  return Object.fromEntries(
    Object.entries(parsed).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

/** Tags for a `JSONB` parameter: NULL when there are none. */
export const tagsParam = (tags: Readonly<Record<string, string>> | undefined): string | null =>
  tags && Object.keys(tags).length > 0 ? JSON.stringify(tags) : null;

/** An interval parameter of whole milliseconds (sub-millisecond rounds up); NULL for 0 ("not given"). */
export const interval = (ms: number): string | null => (ms > 0 ? `${Math.ceil(ms)} milliseconds` : null);

/** PostgreSQL's `invalid_text_representation`: what a JSONB column says to bytes that are not JSON. */
const notJson = "22P02";

/** Rethrows a query error, saying what to do when a JSONB column refused a payload that is not JSON. */
export const jsonOnly =
  (where: string) =>
  (err: unknown): never => {
    if ((err as { code?: string }).code !== notJson) throw err;
    throw new Error(
      `${where}: ${(err as Error).message}: the JSONB tables keep JSON payloads only ` +
        `(${where}.binary_data: true keeps any bytes)`,
    );
  };
