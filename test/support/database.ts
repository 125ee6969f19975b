import { randomBytes } from "node:crypto";
import { Client } from "pg";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, inject } from "vitest";
import { type Config, loadConfig } from "../../src/config";
import { type Database, openDatabase } from "../../src/db/data-source";
import { createLogger, type Logger } from "../../src/logger";
import { filledByBeforeAll } from "./lifecycle";

export const quietLogger: Logger = createLogger({ logLevel: "silent", nodeEnv: "test" });

/** An empty database of its own in the run's PostgreSQL, so test files never see each other's rows. */
export interface TestDatabase {
  name: string;
  url: string;
  /** Environment that points the service at this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

async function admin<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: inject("postgresUrl") });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates the database by itself, for a test that needs one more inside a single `it` (and drops it
 * there); a test file or describe block gets its own with useDatabase().
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `qg_test_${randomBytes(6).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(inject("postgresUrl"));
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    env: { DATABASE_URL: url.toString(), NODE_ENV: "test", LOG_LEVEL: "silent" },
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export function testConfig(db: TestDatabase, env: Record<string, string> = {}): Config {
  return loadConfig({ ...db.env, PORT: "0", HOST: "127.0.0.1", ...env });
}

export interface DatabaseOptions {
  /**
   * Also open a DataSource on it, as `ds` (the writer's pool: no statement bound, as a test seeding
   * data needs): on the migrated schema, or on the database as created.
   */
  dataSource?: "migrated" | "empty";
}

/**
 * The one way a test file (or describe block) gets a database: an empty one of its own in the run's
 * PostgreSQL, created in beforeAll and dropped in afterAll, with a DataSource on it when asked.
 * Hooks declared after this call run after the database exists (beforeAll) and before it is dropped
 * (afterAll: vitest runs them in reverse order of declaration).
 */
export function useDatabase(): TestDatabase;
export function useDatabase(options: Required<DatabaseOptions>): TestDatabase & { ds: DataSource };
export function useDatabase(options: DatabaseOptions = {}): TestDatabase & { ds?: DataSource } {
  const { handle, fill } = filledByBeforeAll<TestDatabase & { ds?: DataSource }>("useDatabase()");
  let db: TestDatabase | undefined;
  let database: Database | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    if (options.dataSource) {
      database = await openDatabase(testConfig(db), quietLogger);
      if (options.dataSource === "migrated") await database.writer.runMigrations({ transaction: "each" });
    }
    fill({ ...db, ds: database?.writer });
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });
  return handle;
}

/** The assets GraphQL tests share: BTC and ETH tracked, an inactive BTC namesake and SOL untracked. */
export async function insertSampleAssets(ds: { query(sql: string): Promise<unknown> }): Promise<void> {
  await ds.query(`
    INSERT INTO asset (cmc_id, symbol, name, slug, rank, tracked) VALUES
      (1, 'BTC', 'Bitcoin', 'bitcoin', 1, true),
      (1027, 'ETH', 'Ethereum', 'ethereum', 2, true),
      (30938, 'BTC', 'Satoshi Pumpomoto', 'satoshi-pumpomoto', NULL, false),
      (5426, 'SOL', 'Solana', 'solana', 5, false)`);
}
