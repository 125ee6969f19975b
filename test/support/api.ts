import type { DataSource } from "typeorm";
import { afterAll, beforeAll } from "vitest";
import { type Service, startService } from "../../src/service";
import { createTestDatabase, quietLogger, type TestDatabase, testConfig } from "./database";

export interface TestApi {
  db: TestDatabase;
  service: Service;
  /** The service's base URL. */
  url: string;
  ds: DataSource;
}

/**
 * For one describe block: a database of its own and the API on it, without the ingestion schedule
 * (the tests store quotes themselves); `seed` runs once the schema exists.
 */
export function useApi(env: Record<string, string> = {}, seed?: (ds: DataSource) => Promise<void>): TestApi {
  const api = {} as TestApi;
  beforeAll(async () => {
    api.db = await createTestDatabase();
    api.service = await startService(testConfig(api.db, env), quietLogger, { schedule: false });
    api.url = api.service.url;
    api.ds = api.service.database.dataSource;
    await seed?.(api.ds);
  });
  afterAll(async () => {
    await api.service?.stop();
    await api.db?.drop();
  });
  return api;
}
