import { readFileSync } from "node:fs";
import type { TlsOptions as ConnectionOptions } from "node:tls";
import { DataSource, type DataSourceOptions } from "typeorm";
import type { Config, ExternalDatabase } from "../config";
import type { Logger } from "../logger";
import { startEmbeddedPostgres } from "./embedded";
import { Asset } from "./entities/asset.entity";
import { IngestionRun } from "./entities/ingestion-run.entity";
import { PriceQuote } from "./entities/price-quote.entity";
import { migrations } from "./migrations";
import { QueryLogger, SLOW_QUERY_MS } from "./query-logger";

export const entities = [Asset, PriceQuote, IngestionRun];

interface Target {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  ssl: false | ConnectionOptions;
  poolMax: number;
}

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

function options(target: Target, logger: Logger): DataSourceOptions {
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
      max: target.poolMax,
      application_name: "quotegraph",
      connectionTimeoutMillis: 10_000,
    },
  };
}

/** A DataSource that also stops what it started (the embedded cluster) when destroyed. */
class OwnedDataSource extends DataSource {
  constructor(
    opts: DataSourceOptions,
    private readonly release: () => Promise<void>,
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

export interface Database {
  dataSource: DataSource;
  /** Where the data lives, fit for a log line: never a password. */
  description: string;
}

/**
 * Builds the DataSource for the configured PostgreSQL, starting the embedded one when none is
 * configured; not yet connected (the TypeORM CLI connects it itself).
 */
export async function prepareDatabase(config: Pick<Config, "database">, logger: Logger): Promise<Database> {
  const db = config.database;
  if (db.kind === "embedded") {
    const cluster = await startEmbeddedPostgres(db.clusterDir, logger);
    return {
      dataSource: new OwnedDataSource(options({ ...cluster, ssl: false, poolMax: db.poolMax }, logger), cluster.stop),
      description: `embedded PostgreSQL in ${cluster.dataDir} (127.0.0.1:${cluster.port})`,
    };
  }
  return {
    dataSource: new OwnedDataSource(
      options({ ...db, password: db.password?.reveal(), ssl: sslOptions(db.ssl) }, logger),
      async () => undefined,
    ),
    description: `PostgreSQL at ${db.host}:${db.port}/${db.database} as ${db.user} (TLS ${db.ssl.mode})`,
  };
}

/** Connects to the configured PostgreSQL; on failure, stops whatever was started for it. */
export async function openDatabase(config: Pick<Config, "database">, logger: Logger): Promise<Database> {
  const database = await prepareDatabase(config, logger);
  try {
    await database.dataSource.initialize();
  } catch (error) {
    await database.dataSource.destroy();
    throw new Error(`cannot connect to ${database.description}: ${(error as Error).message}`);
  }
  return database;
}
