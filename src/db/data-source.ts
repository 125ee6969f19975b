import { readFileSync } from "node:fs";
import type { TlsOptions as ConnectionOptions } from "node:tls";
import { DataSource, type DataSourceOptions } from "typeorm";
import type { Config, ExternalDatabase } from "../config";
import type { Logger } from "../logger";
import { startEmbeddedPostgres } from "./embedded";
import { Asset } from "./entities/asset.entity";
import { IngestionRun } from "./entities/ingestion-run.entity";
import { PriceCandleDay, PriceCandleHour } from "./entities/price-candle.entity";
import { PriceQuote } from "./entities/price-quote.entity";
import { migrations } from "./migrations";
import { QueryLogger, SLOW_QUERY_MS } from "./query-logger";

export const entities = [Asset, PriceQuote, IngestionRun, PriceCandleHour, PriceCandleDay];

interface Target {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  ssl: false | ConnectionOptions;
}

/** How one pool connects: its size, its name in pg_stat_activity, and a bound on each statement. */
interface PoolSettings {
  max: number;
  applicationName: string;
  /** 0: statements run as long as they take. */
  statementTimeoutMs: number;
}

/** Connections of the writer's pool, beside the API's DB_POOL_MAX. */
export const WRITER_CONNECTIONS = 3;

/** Ingestion's writes, the claims, the LISTEN connection and migrations: a pool API load cannot exhaust. */
const WRITER_POOL: PoolSettings = {
  max: WRITER_CONNECTIONS,
  applicationName: "quotegraph-writer",
  statementTimeoutMs: 0,
};

function sslOptions(ssl: ExternalDatabase["ssl"]): false | ConnectionOptions {
  switch (ssl.mode) {
    case "off":
      return false;
    case "require":
      // Encrypted, but the server certificate is not checked (libpq's sslmode=require).
      return { rejectUnauthorized: false };
    case "verify-full":
      return { rejectUnauthorized: true, ...(ssl.caPath ? { ca: readCa(ssl.caPath) } : {}) };
  }
}

function readCa(caPath: string): string {
  try {
    return readFileSync(caPath, "utf8");
  } catch (error) {
    throw new Error(`cannot read DB_SSL_CA ${caPath}: ${(error as Error).message}`);
  }
}

function options(target: Target, pool: PoolSettings, logger: Logger): DataSourceOptions {
  return {
    type: "postgres",
    host: target.host,
    port: target.port,
    username: target.user,
    password: target.password,
    database: target.database,
    ssl: target.ssl,
    entities,
    migrations,
    migrationsTableName: "typeorm_migrations",
    migrationsTransactionMode: "each",
    synchronize: false,
    logger: new QueryLogger(logger),
    maxQueryExecutionTime: SLOW_QUERY_MS,
    extra: {
      max: pool.max,
      application_name: pool.applicationName,
      connectionTimeoutMillis: 10_000,
      ...(pool.statementTimeoutMs > 0 ? { statement_timeout: pool.statementTimeoutMs } : {}),
    },
  };
}

/** A DataSource that also stops what it started (the embedded cluster) when destroyed, connected or not. */
class OwnedDataSource extends DataSource {
  constructor(
    opts: DataSourceOptions,
    private readonly release: () => Promise<void> = async () => undefined,
  ) {
    super(opts);
  }

  override async destroy(): Promise<void> {
    try {
      if (this.isInitialized) await super.destroy();
    } finally {
      await this.release();
    }
  }
}

export interface PreparedDatabase {
  /** The API's reads: DB_POOL_MAX connections, each statement bounded by DB_STATEMENT_TIMEOUT_MS. */
  dataSource: DataSource;
  /**
   * Ingestion, claims, LISTEN and migrations, on a few connections of their own (no statement
   * bound: a migration may take long). Destroying it also stops an embedded cluster, so it goes last.
   */
  writer: DataSource;
  /** Where the data lives, fit for a log line: never a password. */
  description: string;
}

export interface Database extends PreparedDatabase {
  /** Closes both pools, then stops the embedded cluster if one was started. */
  close(): Promise<void>;
}

/**
 * Builds the DataSources for the configured PostgreSQL, starting the embedded one when none is
 * configured; not yet connected (the TypeORM CLI connects the writer itself).
 */
export async function prepareDatabase(config: Pick<Config, "database">, logger: Logger): Promise<PreparedDatabase> {
  const db = config.database;
  const api: PoolSettings = {
    max: db.poolMax,
    applicationName: "quotegraph",
    statementTimeoutMs: db.statementTimeoutMs,
  };
  if (db.kind === "embedded") {
    const cluster = await startEmbeddedPostgres(db.clusterDir, logger);
    const target = { ...cluster, ssl: false as const };
    return {
      dataSource: new OwnedDataSource(options(target, api, logger)),
      writer: new OwnedDataSource(options(target, WRITER_POOL, logger), cluster.stop),
      description: `embedded PostgreSQL in ${cluster.dataDir} (127.0.0.1:${cluster.port})`,
    };
  }
  const target = { ...db, password: db.password?.reveal(), ssl: sslOptions(db.ssl) };
  return {
    dataSource: new OwnedDataSource(options(target, api, logger)),
    writer: new OwnedDataSource(options(target, WRITER_POOL, logger)),
    description: `PostgreSQL at ${db.host}:${db.port}/${db.database} as ${db.user} (TLS ${db.ssl.mode})`,
  };
}

/** Connects to the configured PostgreSQL; on failure, stops whatever was started for it. */
export async function openDatabase(config: Pick<Config, "database">, logger: Logger): Promise<Database> {
  const prepared = await prepareDatabase(config, logger);
  const close = async () => {
    try {
      await prepared.dataSource.destroy();
    } finally {
      await prepared.writer.destroy();
    }
  };
  try {
    await prepared.writer.initialize();
    await prepared.dataSource.initialize();
  } catch (error) {
    await close();
    throw new Error(`cannot connect to ${prepared.description}: ${(error as Error).message}`);
  }
  return { ...prepared, close };
}
