import "reflect-metadata";
import { type Config, ConfigError, loadConfig } from "./config";
import type { Database } from "./db/data-source";
import { createLogger, type Logger } from "./logger";
import { openMigratedDatabase } from "./service";

export interface OneShot {
  config: Config;
  logger: Logger;
  database: Database;
}

/**
 * Runs a script that does one job on the configured (and migrated) database, then exits with the
 * job's code: 2 for invalid configuration, 1 with `quotegraph: <failure>: <reason>` when it throws.
 */
export function runOneShot(failure: string, job: (shot: OneShot) => Promise<number>): void {
  const main = async (): Promise<number> => {
    let config: Config;
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
      return await job({ config, logger, database });
    } finally {
      await database.close();
    }
  };
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`quotegraph: ${failure}: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
