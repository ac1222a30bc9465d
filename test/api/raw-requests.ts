import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
/** What came back: an HTTP status, a gRPC status when there was one, and the error text. */
export interface Answer {
  readonly status: number;
  readonly grpcStatus?: number;
  readonly message: string;
}

/** One malformed request and the answer it must get. */
export interface Case {
  readonly name: string;
  send(): Promise<Answer>;
  /** The gRPC status, or for plain HTTP the status, that must come back. */
  readonly code: number;
  readonly message: RegExp;
}

/** The gRPC status codes the malformed requests may get. */
export const grpcCodes = {
  invalidArgument: 3,
  resourceExhausted: 8,
  unimplemented: 12,
  internal: 13,
} as const;

/**
 * Raw requests to one server with any bytes in them (no client library would
 * send a broken body), each answering what came back.
 */
export function rawRequests(url: string, key: string) {
  /** Sends one raw gRPC request over h2c (no client library, so any bytes can go out). */
  function rawGrpc(path: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      // The client's own session must be allowed to buffer the 10 MB bodies it sends.
      const session = http2.connect(url, { maxSessionMemory: 64 });
      session.on("error", reject);
      const req = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc",
        te: "trailers",
        authorization: `apikey ${key}`,
        ...headers,
      });
      const fields: Record<string, unknown> = {};
      req.on("response", (h) => Object.assign(fields, h));
      req.on("trailers", (t) => Object.assign(fields, t));
      req.on("data", () => {});
      req.on("error", reject);
      req.on("end", () => {
        session.close();
        const status = fields["grpc-status"];
        resolve({
          status: Number(fields[":status"]),
          grpcStatus: status === undefined ? undefined : Number(status),
          message: decodeURIComponent(String(fields["grpc-message"] ?? "")),
        });
      });
      req.end(body);
    });
  }

  /** gRPC-Web carries its status in a trailer frame at the end of the body. */
  async function rawGrpcWeb(
    path: string,
    body: Uint8Array<ArrayBuffer>,
    contentType = "application/grpc-web+proto",
  ): Promise<Answer> {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": contentType, authorization: `apikey ${key}` },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = Buffer.from(await res.arrayBuffer()).toString("latin1");
    const status = /grpc-status: ?(\d+)/.exec(text)?.[1] ?? res.headers.get("grpc-status") ?? undefined;
    const message = /grpc-message: ?([^\r\n]*)/.exec(text)?.[1] ?? res.headers.get("grpc-message") ?? "";
    return {
      status: res.status,
      grpcStatus: status === undefined ? undefined : Number(status),
      message: decodeURIComponent(message),
    };
  }

  /**
   * One HTTP/1.1 request with node:http, which reads an answer sent before the
   * upload ended (a 413 to a 10 MB body) where fetch may report the reset instead.
   */
  function rawHttp(path: string, contentType: string, body: Uint8Array | string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers = { "content-type": contentType, "x-api-key": key, authorization: `apikey ${key}` };
      const req = http.request(`${url}${path}`, { method: "POST", headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, message: Buffer.concat(chunks).toString() }),
        );
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  /**
   * Announces a 10 MB body and sends only its start: the answer must come from
   * the announced length alone. (A client that keeps writing after the server
   * answered and closed, as HTTP allows, may see EPIPE instead of the answer.)
   */
  function oversizeHttp(path: string, start: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const { hostname, port } = new URL(url);
      const socket = net.connect(Number(port), hostname);
      const chunks: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.on("error", reject);
      socket.on("close", () => {
        const text = Buffer.concat(chunks).toString();
        const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
        resolve({ status, message: text.slice(text.indexOf("\r\n\r\n") + 4) });
      });
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${key}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${10 * 1024 * 1024}\r\n\r\n${start}`,
      );
    });
  }

  return { rawGrpc, rawGrpcWeb, rawHttp, oversizeHttp };
}

/** A gRPC / gRPC-Web message envelope with any flags and declared length. */
export function envelope(flags: number, length: number, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(length, 1);
  return Buffer.concat([head, payload]);
}
