import type { AddressInfo } from "node:net";
import type { Config } from "./config";
import { type Database, openDatabase } from "./db/data-source";
import type { IngestionStateSource } from "./graphql/context";
import { createSchema } from "./graphql/schema";
import { type HttpService, startHttp } from "./http/app";
import type { Logger } from "./logger";

export interface Service {
  database: Database;
  /** Base URL the HTTP listener answers on, e.g. http://127.0.0.1:4000. */
  url: string;
  stop(): Promise<void>;
}

/** config → database → migrations → HTTP; stop() undoes it in reverse order. */
export async function startService(config: Config, logger: Logger): Promise<Service> {
  logger.info(
    { source: config.cmc.source, cmc: config.cmc.displayUrl, converts: config.converts },
    config.cmc.source === "coinmarketcap"
      ? "prices from CoinMarketCap"
      : `prices from ${config.cmc.source} (mock data)`,
  );
  const database = await openDatabase(config, logger);
  let http: HttpService | undefined;
  try {
    logger.info({ database: database.description }, "database connected");
    const applied = await database.dataSource.runMigrations({ transaction: "each" });
    if (applied.length) logger.info({ migrations: applied.map((m) => m.name) }, "applied database migrations");

    const ingestion: IngestionStateSource = {
      state: () => ({
        enabled: false,
        source: config.cmc.source,
        schedule: "",
        nextRunAt: null,
        projectedMonthlyCredits: 0,
        monthlyCreditBudget: config.cmc.monthlyCredits,
      }),
    };
    http = await startHttp({
      config,
      logger,
      dataSource: database.dataSource,
      schema: await createSchema(),
      context: { dataSource: database.dataSource, converts: config.converts, ingestion },
    });
  } catch (error) {
    await database.dataSource.destroy();
    throw error;
  }
  const address = http.server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${address.port}`;
  logger.info({ url: `${url}/graphql` }, "serving GraphQL");

  let stopping: Promise<void> | undefined;
  const httpService = http;
  return {
    database,
    url,
    stop() {
      stopping ??= (async () => {
        await httpService.stop();
        await database.dataSource.destroy();
      })();
      return stopping;
    },
  };
}
