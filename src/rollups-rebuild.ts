import "reflect-metadata";
import { rebuildRollups } from "./db/store/rollups";
import { runOneShot } from "./one-shot";

/**
 * `npm run rollups:rebuild`: rebuilds the candle rollups from the raw quotes, after a bulk load or a
 * restore that wrote quotes around the service. Safe while replicas ingest, and to run again.
 */
runOneShot("rebuilding candle rollups failed", async ({ logger, database }) => {
  const started = performance.now();
  logger.info("rebuilding candle rollups");
  const report = await rebuildRollups(database.writer, undefined, (pair) =>
    logger.debug({ assetId: pair.assetId, convert: pair.convert }, "rebuilding the candle rollups of a pair"),
  );
  logger.info({ ...report, ms: Math.round(performance.now() - started) }, "candle rollups rebuilt");
  return 0;
});
