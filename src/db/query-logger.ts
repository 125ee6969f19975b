import type { Logger as TypeOrmLogger } from "typeorm";
import type { Logger } from "../logger";

/** Above this, a statement is logged as slow (with its SQL, never its parameters). */
export const SLOW_QUERY_MS = 500;

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

  /** Migration progress ("Migration X has been executed successfully"): what `npm run migration:run` shows. */
  logSchemaBuild(message: string): void {
    this.logger.info(message);
  }

  logMigration(message: string): void {
    this.logger.info(message);
  }

  log(level: "log" | "info" | "warn", message: unknown): void {
    this.logger[level === "warn" ? "warn" : "debug"]({ typeorm: message }, "typeorm");
  }
}
