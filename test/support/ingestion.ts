import { once } from "node:events";
import { Client } from "pg";
import type { DataSource } from "typeorm";
import { inject } from "vitest";
import { loadConfig } from "../../src/config";
import { Ingestion, type IngestionOptions } from "../../src/ingestion/ingestion";
import type { RunOutcome } from "../../src/ingestion/runner";
import type { CmcSimulator } from "../../tools/cmc-simulator/server";
import { quietLogger, type TestDatabase } from "./database";

export function simulatorConfig(sim: Pick<CmcSimulator, "url">, env: Record<string, string> = {}) {
  return loadConfig({
    CMC_BASE_URL: sim.url,
    CMC_API_KEY: "sim-key",
    QUOTEGRAPH_SOURCE: "simulator",
    TRACKED_SYMBOLS: "BTC,ETH",
    CONVERT: "USD",
    NODE_ENV: "test",
    ...env,
  });
}

/**
 * Ingestion against the simulator; retries after a rate limit wait for nothing but are recorded.
 * `extra.runner` adds to these test seams (e.g. `now: () => sim.now()`) rather than replacing them.
 */
export function simulatorIngestion(
  sim: Pick<CmcSimulator, "url">,
  dataSource: DataSource,
  env: Record<string, string> = {},
  extra: Partial<IngestionOptions> = {},
) {
  const waits: number[] = [];
  const { runner, ...rest } = extra;
  const ingestion = new Ingestion({
    config: simulatorConfig(sim, env),
    dataSource,
    logger: quietLogger,
    runner: {
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0.5,
      ...runner,
    },
    ...rest,
  });
  return { ingestion, waits };
}

export async function nextRuns(ingestion: Ingestion, count: number): Promise<RunOutcome[]> {
  const outcomes: RunOutcome[] = [];
  while (outcomes.length < count) outcomes.push(...((await once(ingestion.events, "run")) as RunOutcome[]));
  return outcomes;
}

export function quoteCalls(sim: CmcSimulator) {
  return sim.calls.filter((c) => c.path === "/v2/cryptocurrency/quotes/latest");
}

/** A real outage for the service: its connections are cut and new ones refused, until restore(). */
export async function cutDatabase(db: TestDatabase): Promise<{ restore(): Promise<void> }> {
  const admin = new Client({ connectionString: inject("postgresUrl") });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`);
  await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [db.name],
  );
  return {
    async restore() {
      await admin.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
      await admin.end();
    },
  };
}

/**
 * A CMC client's fetch that calls `then` once, when the first quotes/latest answer has arrived and
 * before the client reads it: to make the next batch fail (`sim.failNext`), or to cut the database
 * so that the run's write is what fails.
 */
export function afterFirstQuotesAnswer(then: () => unknown): typeof fetch {
  let called = false;
  return async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const response = await fetch(input, init);
    if (!called && String(input).includes("/quotes/latest")) {
      called = true;
      await then();
    }
    return response;
  };
}

/** TRACKED_SYMBOLS naming the first `count` of the simulator's synthetic coins (CMC ids 100000 on). */
export function syntheticSymbols(count: number): string {
  return Array.from({ length: count }, (_, index) => `SYN${index}`).join(",");
}
