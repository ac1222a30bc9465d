import { after, describe } from "node:test";
import { mapPostgres, postgresMapBroker, stopMapBrokers } from "../maps/map-brokers.js";
import { mapApiCases } from "./map-api-cases.js";
import { mapApiOutageCase } from "./map-api-outage.js";

after(stopMapBrokers);

// The BYTEA tables keep values byte for byte, as the suite compares them.
mapApiCases(
  "PostgreSQL map broker",
  async () => ({ map_broker: await postgresMapBroker({ binary_data: true }) }),
  {
    exactTrim: true,
  },
);

describe("map API while the map broker's PostgreSQL is away", () => {
  mapApiOutageCase("PostgreSQL", async () => {
    const mapBroker = await postgresMapBroker();
    const pg = (await mapPostgres())!;
    return { mapBroker, kill: () => pg.kill(), restart: () => pg.restart() };
  });
});
