import type { Logger as TypeOrmLogger } from "typeorm";
import type { Logger } from "../logger";

/** Above this, a statement is logged as slow (with its SQL, never its parameters). */
export const SLOW_QUERY_MS = 500;

/**
 * An idle pooled connection that PostgreSQL closed as it stopped (57P01): the pool drops it and the next
 * query opens another. A terminal's Ctrl-C reaches the embedded PostgreSQL too, so every stop met it as
 * a warning; an outage that matters shows in the queries that fail. TypeORM hands over only this text.
 */
const MIGRATION_OUTCOME = /^(Migrations? .*(has been (\(fake\) )?(executed|reverted) successfully|failed)|\[[X ]\] )/;

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

  /**
   * Each migration applied, reverted or failed ("Migration X has been executed successfully.") and
   * `migration:show`'s list ("[X] 1 InitialSchema…"): what the migration scripts show. TypeORM's counts
   * around them ("3 migrations were found…") are detail.
   */
  logSchemaBuild(message: string): void {
    this.logger[MIGRATION_OUTCOME.test(message) ? "info" : "debug"](message);
  }

  logMigration(message: string): void {
    this.logSchemaBuild(message);
  }

  log(level: "log" | "info" | "warn", message: unknown): void {
    this.logger[level === "warn" && !IDLE_CONNECTION_CLOSED.test(String(message)) ? "warn" : "debug"](
      { typeorm: message },
      "typeorm",
    );
  }
}
