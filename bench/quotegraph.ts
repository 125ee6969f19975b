import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** The service's package: its built `dist/` is what the bench starts and imports. */
export const ROOT = path.resolve(import.meta.dirname, "..");

const requireFromRoot = createRequire(path.join(ROOT, "package.json"));

/** A module of the service's build, e.g. `src/db/store/quotes`; `npm run build` at the root makes them. */
export function dist<T = any>(module: string): T {
  const file = path.join(ROOT, "dist", `${module}.js`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build at the root first`);
  return requireFromRoot(file) as T;
}

/** The service's entities use decorator metadata: loaded once before any of its modules. */
requireFromRoot("reflect-metadata");

/** A store function's database: anything that answers `query(sql, params)` with the rows. */
export interface Sql {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * The service's own database handles (its API and writer pools, `Database` of src/db/data-source)
 * on the bench database; `migrate` opens them as the service does at start, applying its migrations.
 * Logs at error only: the bench's bulk statements would be "slow sql" warnings.
 */
export function openServiceDatabase(databaseUrl: string, options: { migrate?: boolean } = {}): Promise<any> {
  const config = dist("src/config").loadConfig({
    DATABASE_URL: databaseUrl,
    CMC_BASE_URL: NO_CMC_URL,
    LOG_LEVEL: "error",
  });
  const logger = dist("src/logger").createLogger(config);
  return options.migrate
    ? dist("src/service").openMigratedDatabase(config, logger)
    : dist("src/db/data-source").openDatabase(config, logger);
}

/** Scripts of the root package.json: which capabilities this checkout of the service has. */
export function rootScripts(): Record<string, string> {
  return JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts;
}

/**
 * The service's environment in the bench: the bench database, no CoinMarketCap calls (a custom base
 * URL on which nothing listens, a yearly schedule and a recent successful run recorded by the
 * generator, so no start-up run), logs at warn (no line per request), production mode.
 * `responseCacheMb` is passed as RESPONSE_CACHE_MB when set ("0": uncached); a checkout without the
 * response cache ignores it.
 */
export function serviceEnv(databaseUrl: string, port: number, responseCacheMb?: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    CMC_BASE_URL: NO_CMC_URL,
    INGEST_CRON: "0 0 1 1 *",
    // The fan-out's 2,000 clients come from one address.
    HTTP_MAX_CONNECTIONS_PER_ADDRESS: "0",
    MAX_WAITERS_PER_CLIENT: "0",
  };
  if (responseCacheMb !== undefined) env.RESPONSE_CACHE_MB = responseCacheMb;
  // A CPU profile of each service process, written on exit (node --cpu-prof), to start speed work from.
  if (process.env.BENCH_CPU_PROF_DIR) env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`;
  return env;
}

/** Port 9 (discard) on loopback: nothing listens, so any CMC call would fail at once. */
export const NO_CMC_URL = "http://127.0.0.1:9";
/** What the service calls a price source at NO_CMC_URL; the generator records it as the database's. */
export const NO_CMC_SOURCE = "custom";
