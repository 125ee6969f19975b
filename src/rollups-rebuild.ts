import "reflect-metadata";
import { ConfigError, loadConfig } from "./config";
import { rebuildRollups } from "./db/store/rollups";
import { createLogger } from "./logger";
import { openMigratedDatabase } from "./service";

/**
 * `npm run rollups:rebuild`: rebuilds the candle rollups from the raw quotes, after a bulk load or a
 * restore that wrote quotes around the service. Safe while replicas ingest, and to run again.
 */
async function main(): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`quotegraph: ${error.message}\n`);
    return 2;
  }
  const logger = createLogger(config);
  const database = await openMigratedDatabase(config, logger);
  try {
    const started = performance.now();
    logger.info("rebuilding candle rollups");
    const report = await rebuildRollups(database.writer, undefined, (pair) =>
      logger.debug({ assetId: pair.assetId, convert: pair.convert }, "rebuilding the candle rollups of a pair"),
    );
    logger.info({ ...report, ms: Math.round(performance.now() - started) }, "candle rollups rebuilt");
    return 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`quotegraph: rebuilding candle rollups failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
