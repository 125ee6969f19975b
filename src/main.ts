import "reflect-metadata";
import { type Config, ConfigError, loadConfig } from "./config";
import { createLogger } from "./logger";
import { startService } from "./service";

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`quotegraph: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

const config = readConfig();
const logger = createLogger(config);
const started = startService(config, logger);
let stopping = false;

// Installed before start-up finishes, so that a signal during start-up still stops everything in order.
const shutdown = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  setTimeout(() => {
    logger.error({ timeoutMs: config.shutdownTimeoutMs }, "shutdown took too long; exiting");
    process.exit(1);
  }, config.shutdownTimeoutMs).unref();
  started
    .then((service) => service.stop())
    .then(
      () => logger.info("stopped"),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exitCode = 1;
      },
    );
};
// SIGHUP: the terminal closed; stopping as for SIGTERM takes the embedded PostgreSQL down with us.
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
for (const signal of SIGNALS) process.on(signal, shutdown);

started.catch((error: unknown) => {
  logger.fatal({ err: error }, `cannot start: ${(error as Error).message}`);
  process.exitCode = 1;
  for (const signal of SIGNALS) process.off(signal, shutdown);
});
