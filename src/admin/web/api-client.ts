import { type Client, Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { CentrifugoApi } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { authorizationHeader, LoggedOut } from "./session.js";

/** Every call carries the admin token. */
const withAdminToken: Interceptor = (next) => (req) => {
  const header = authorizationHeader();
  if (header) req.header.set("authorization", header);
  return next(req);
};

/**
 * Whether an error means the session is over: the admin endpoints' refusal,
 * or an API call refused as unauthenticated (the client hands every failure
 * back as a ConnectError, so the code is what tells).
 */
export function sessionEnded(err: unknown): boolean {
  return err instanceof LoggedOut || ConnectError.from(err).code === Code.Unauthenticated;
}

/**
 * The server API as a typed client generated from rotor's protos, over the
 * Connect protocol (JSON) to the same origin: the listener that serves this
 * page admits the admin token on its API routes.
 */
export const api: Client<typeof CentrifugoApi> = createClient(
  CentrifugoApi,
  createConnectTransport({ baseUrl: location.origin, interceptors: [withAdminToken] }),
);
