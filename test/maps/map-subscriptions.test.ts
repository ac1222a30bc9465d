import { after, before } from "node:test";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { mapSuite, mapSuiteNamespaces } from "./map-suite.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { insecure: true },
    channel: { namespaces: mapSuiteNamespaces },
  });
});
after(() => srv.close());

mapSuite("memory", () => srv);
