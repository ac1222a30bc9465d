import { mapApiCases } from "./map-api-cases.js";

mapApiCases("memory map broker", async () => ({}), { exactTrim: true });
