import { type Client, Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { CentrifugoApi } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { authorizationHeader, LoggedOut } from "./session.js";

/** Every call carries the admin token; a refusal means the session is over. */
const withAdminToken: Interceptor = (next) => async (req) => {
  const header = authorizationHeader();
  if (header) req.header.set("authorization", header);
  try {
    return await next(req);
  } catch (err) {
    if (ConnectError.from(err).code === Code.Unauthenticated) throw new LoggedOut();
    throw err;
  }
};

/**
 * The server API as a typed client generated from rotor's protos, over the
 * Connect protocol (JSON) to the same origin: the listener that serves this
 * page admits the admin token on its API routes.
 */
export const api: Client<typeof CentrifugoApi> = createClient(
  CentrifugoApi,
  createConnectTransport({ baseUrl: location.origin, interceptors: [withAdminToken] }),
);
