import type { Logger as TypeOrmLogger } from "typeorm";
import type { Logger } from "../logger";

/** Above this, a statement is logged as slow (with its SQL, never its parameters). */
export const SLOW_QUERY_MS = 500;

/**
 * An idle pooled connection that PostgreSQL closed as it stopped (57P01): the pool drops it and the next
 * query opens another. A terminal's Ctrl-C reaches the embedded PostgreSQL too, so every stop met it as
 * a warning; an outage that matters shows in the queries that fail. TypeORM hands over only this text.
 */
const IDLE_CONNECTION_CLOSED =
  /^Postgres pool raised an error\. error: terminating connection due to administrator command/;

/** TypeORM's log in the service's own structured log: each statement at trace, slow or failed ones as warnings. */
export class QueryLogger implements TypeOrmLogger {
  constructor(private readonly logger: Logger) {}

  logQuery(query: string): void {
    this.logger.trace({ sql: query }, "sql");
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.debug({ err: error, sql: query }, "sql failed");
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ ms: time, sql: query }, "slow sql");
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  /**
   * Each migration applied or reverted ("Migration X has been executed successfully"): what
   * `npm run migration:run` shows. TypeORM's counts before it ("3 migrations were found…") are detail.
   */
  logMigration(message: string): void {
    this.logger[/^Migration .* has been (executed|reverted)/.test(message) ? "info" : "debug"](message);
  }

  log(level: "log" | "info" | "warn", message: unknown): void {
    this.logger[level === "warn" && !IDLE_CONNECTION_CLOSED.test(String(message)) ? "warn" : "debug"](
      { typeorm: message },
      "typeorm",
    );
  }
}
