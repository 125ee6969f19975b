import type { DataSource } from "typeorm";
import { afterAll, beforeAll } from "vitest";
import type { Logger } from "../../src/logger";
import { type Service, type ServiceOptions, startService } from "../../src/service";
import { quietLogger, type TestDatabase, testConfig, useDatabase } from "./database";
import { filledByBeforeAll } from "./lifecycle";

export interface TestApi {
  db: TestDatabase;
  service: Service;
  /** The service's base URL. */
  url: string;
  ds: DataSource;
}

export interface ApiOptions {
  /** Configuration on top of the database's (see testConfig). */
  env?: Record<string, string>;
  /** Runs once, after the service has migrated the database and before the first test. */
  seed?: (ds: DataSource) => Promise<void>;
  /** The service's logger; silent by default. */
  logger?: Logger;
  /** Test seams of the service (e.g. the feed hub's window); never `schedule`. */
  options?: Omit<ServiceOptions, "schedule">;
}

/**
 * For one describe block: a database of its own (useDatabase) and the API on it, without the
 * ingestion schedule (the tests store quotes themselves).
 */
export function useApi({ env = {}, seed, logger = quietLogger, options = {} }: ApiOptions = {}): TestApi {
  const db = useDatabase();
  const { handle, fill } = filledByBeforeAll<TestApi>("useApi()");
  let service: Service | undefined;
  beforeAll(async () => {
    service = await startService(testConfig(db, env), logger, { ...options, schedule: false });
    fill({ db, service, url: service.url, ds: service.database.dataSource });
    await seed?.(service.database.dataSource);
  });
  afterAll(async () => {
    await service?.stop();
  });
  return handle;
}
