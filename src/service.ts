import { type Config, describeSource } from "./config";
import { type Database, openDatabase } from "./db/data-source";
import { FeedHub, type FeedHubOptions } from "./db/store/feed-hub";
import { FeedListener } from "./db/store/feed-listener";
import { migrateExclusively } from "./db/store/migrations";
import { ResponseCache } from "./graphql/response-cache";
import { createSchema } from "./graphql/schema";
import { type HttpService, startHttp } from "./http/app";
import { listensEverywhere, urlOf } from "./http/listen";
import { type OpsHttp, startOpsHttp } from "./http/ops";
import { Ingestion, type IngestionOptions } from "./ingestion/ingestion";
import type { Logger } from "./logger";
import { Metrics } from "./metrics";

export interface Service {
  database: Database;
  ingestion: Ingestion;
  feed: FeedListener;
  /** Long polls and subscriptions wait here; it reads each commit once for all of them. */
  hub: FeedHub;
  /** Base URL the HTTP listener answers on, e.g. http://127.0.0.1:4000. */
  url: string;
  /** Base URL of health and metrics when they have their own listener (METRICS_PORT). */
  opsUrl: string | undefined;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** False: serve the API without scheduling ingestion (tests that seed quotes themselves). */
  schedule?: boolean;
  /** Test seams for the ingestion runner's time and randomness. */
  runner?: IngestionOptions["runner"];
  /** Test seams for the feed hub's re-check interval, window and page size. */
  feed?: Pick<FeedHubOptions, "recheckMs" | "windowSize" | "pageSize">;
}

/** Logs where prices come from, then opens the database and applies pending migrations. */
export async function openMigratedDatabase(config: Config, logger: Logger): Promise<Database> {
  logger.info(
    { source: config.cmc.source, cmc: config.cmc.displayUrl, converts: config.converts },
    `prices from ${describeSource(config.cmc.source)}`,
  );
  const database = await openDatabase(config, logger);
  try {
    logger.info({ database: database.description }, "database connected");
    const applied = await migrateExclusively(database.writer);
    if (applied.length) logger.info({ migrations: applied.map((m) => m.name) }, "applied database migrations");
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/** config → database → migrations → ingestion schedule → HTTP; stop() undoes it in reverse order. */
export async function startService(config: Config, logger: Logger, options: ServiceOptions = {}): Promise<Service> {
  const database = await openMigratedDatabase(config, logger);
  const ingestion = new Ingestion({ config, dataSource: database.writer, logger, runner: options.runner });
  const feed = new FeedListener(database.writer, logger);
  // The hub's reads are the API's: its pool, its statement bound.
  const hub = new FeedHub(database.dataSource, feed, logger, {
    converts: config.converts,
    maxWaiters: config.feed.maxWaiters,
    maxWaitersPerClient: config.feed.maxWaitersPerClient,
    ...options.feed,
  });
  // Follows the listener from before it starts: off until LISTEN is in place.
  const responseCache = new ResponseCache(config.responseCacheBytes, feed);
  // Subscribed before the schedule starts, so the start-up run is counted too.
  const metrics = new Metrics({
    ingestion,
    pools: { api: database.dataSource, writer: database.writer },
    hub,
    responseCache,
  });
  let http: HttpService | undefined;
  let ops: OpsHttp | undefined;
  try {
    if (options.schedule ?? true) await ingestion.start();
    else await ingestion.prepare();
    await feed.start();
    await hub.start();
    http = await startHttp({
      config,
      logger,
      dataSource: database.dataSource,
      schema: await createSchema(),
      metrics,
      responseCache,
      context: {
        dataSource: database.dataSource,
        converts: config.converts,
        ingestion,
        adminToken: config.adminToken?.reveal(),
        hub,
      },
    });
    const { metricsPort, host } = config.http;
    if (metricsPort !== undefined) {
      const registry = metrics.registry;
      ops = await startOpsHttp({ host, port: metricsPort, dataSource: database.dataSource, logger, registry });
    }
  } catch (error) {
    await http?.stop(Date.now());
    await ops?.stop();
    await feed.stop();
    await ingestion.stop();
    await database.close();
    throw error;
  }
  const url = urlOf(http.server);
  // Where to go, for a person: on every interface, this machine's own name works.
  const shown = listensEverywhere(http.server) ? `http://localhost:${new URL(url).port}` : url;
  const { source, schedule } = ingestion.state();
  logger.info(
    {
      url: `${url}/graphql`,
      dashboard: `${url}/`,
      source,
      schedule,
      ...(ops ? { metrics: `${ops.url}/metrics` } : {}),
    },
    `ready: dashboard ${shown}/ · GraphQL ${shown}/graphql · prices from ${describeSource(source)} · schedule ${schedule || "none"}`,
  );

  let stopping: Promise<void> | undefined;
  const httpService = http;
  return {
    database,
    ingestion,
    feed,
    hub,
    url,
    opsUrl: ops?.url,
    stop() {
      stopping ??= (async () => {
        const phase = async (name: string, step: () => Promise<void>) => {
          const started = Date.now();
          await step();
          logger.info({ phase: name, ms: Date.now() - started }, `stopped ${name}`);
        };
        // Requests in flight may take three quarters of the bound; ingestion and the database, the rest.
        const deadline = Date.now() + Math.floor((config.shutdownTimeoutMs * 3) / 4);
        // New connections are refused before long polls wake, so that their answers do not queue behind
        // new work, and each of those answers closes its connection (a keep-alive client reconnects elsewhere).
        httpService.close();
        // feed.stop() also stops the hub, which answers its long polls.
        await phase("long polls", () => feed.stop());
        await phase("http", () => httpService.stop(deadline));
        // Health and metrics answer until the API has drained (a probe sees the stop as it happens).
        if (ops) await phase("health and metrics", () => (ops as OpsHttp).stop());
        // A run in progress finishes (its quotes are written in one transaction) before the pool closes.
        await phase("ingestion", () => ingestion.stop());
        await phase("database", () => database.close());
      })();
      return stopping;
    },
  };
}
