import { afterAll, beforeAll } from "vitest";
import { type CmcSimulator, type SimulatorOptions, startCmcSimulator } from "../../tools/cmc-simulator/server";
import { createTestDatabase, type TestDatabase } from "./database";

export interface SimulatorAndDatabase {
  db: TestDatabase;
  sim: CmcSimulator;
}

/**
 * For one describe block: a database of its own and a CMC simulator whose clock moves only when
 * told (no rate limit, a few synthetic coins), for tests that run the service as a process.
 */
export function useSimulatorAndDatabase(options: SimulatorOptions = {}): SimulatorAndDatabase {
  const both = {} as SimulatorAndDatabase;
  beforeAll(async () => {
    both.db = await createTestDatabase();
    both.sim = await startCmcSimulator({ manualClock: true, rateLimitPerMinute: 0, syntheticCoins: 10, ...options });
  });
  afterAll(async () => {
    await both.sim?.close();
    await both.db?.drop();
  });
  return both;
}
