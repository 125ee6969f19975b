import "reflect-metadata";
import { Ingestion } from "./ingestion/ingestion";
import { runOneShot } from "./one-shot";

/** `npm run ingest:once`: one run, then exit 0 if it stored quotes, 1 if it failed (for system cron). */
runOneShot("ingestion failed", async ({ config, logger, database }) => {
  const ingestion = new Ingestion({ config, dataSource: database.writer, logger });
  await ingestion.prepare();
  const { run } = await ingestion.runNow();
  return run.status === "SUCCEEDED" || run.status === "PARTIAL" ? 0 : 1;
});
