import { createMemoryMapBroker } from "../../src/map-broker/memory/memory-map-broker.js";
import { mapBrokerContract, testChannels, testCleanupIntervalMs } from "./contract.js";

mapBrokerContract("memory", async (handler) => {
  const broker = createMemoryMapBroker({ channels: testChannels, cleanupIntervalMs: testCleanupIntervalMs });
  await broker.start(handler);
  return broker;
});
