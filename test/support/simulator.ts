import { afterAll, beforeAll } from "vitest";
import { type CmcSimulator, type SimulatorOptions, startCmcSimulator } from "../../tools/cmc-simulator/server";
import { type TestDatabase, useDatabase } from "./database";
import { filledByBeforeAll } from "./lifecycle";

export interface SimulatorAndDatabase {
  db: TestDatabase;
  sim: CmcSimulator;
}

/**
 * For one describe block: a database of its own (useDatabase) and a CMC simulator whose clock
 * moves only when told (no rate limit, a few synthetic coins), for tests that run the service.
 */
export function useSimulatorAndDatabase(options: SimulatorOptions = {}): SimulatorAndDatabase {
  const db = useDatabase();
  const { handle, fill } = filledByBeforeAll<SimulatorAndDatabase>("useSimulatorAndDatabase()");
  let sim: CmcSimulator | undefined;
  beforeAll(async () => {
    sim = await startCmcSimulator({ manualClock: true, rateLimitPerMinute: 0, syntheticCoins: 10, ...options });
    fill({ db, sim });
  });
  afterAll(async () => {
    await sim?.close();
  });
  return handle;
}

/** The environment of a service that ingests BTC, ETH and SOL from `sim` into `db` at every second. */
export function simulatorServiceEnv({ db, sim }: SimulatorAndDatabase): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    CMC_BASE_URL: sim.url,
    CMC_API_KEY: "sim-key",
    QUOTEGRAPH_SOURCE: "simulator",
    INGEST_CRON: "* * * * * *",
    TRACKED_SYMBOLS: "BTC,ETH,SOL",
  };
}
