import "reflect-metadata";
import { ConfigError, loadConfig } from "./config";
import { Ingestion } from "./ingestion/ingestion";
import { createLogger } from "./logger";
import { openMigratedDatabase } from "./service";

/** `npm run ingest:once`: one run, then exit 0 if it stored quotes, 1 if it failed (for system cron). */
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
    const ingestion = new Ingestion({ config, dataSource: database.writer, logger });
    await ingestion.prepare();
    const { run } = await ingestion.runNow();
    return run.status === "SUCCEEDED" || run.status === "PARTIAL" ? 0 : 1;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`quotegraph: ingestion failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
