import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from "typeorm";

/**
 * Whether an error means the database cannot be reached right now (down, restarting, refusing
 * connections, the connection cut), as opposed to a statement that failed: the first is the
 * server's trouble a client should retry, the second a bug or a client's mistake.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  // TypeORM releases a transaction's query runner when its connection breaks between two statements
  // (killed, or the server stopped while the transaction was idle): its next statement, or its
  // COMMIT, then throws one of these, without the driver's error. The transaction did not commit.
  if (error instanceof QueryRunnerProviderAlreadyReleasedError || error instanceof QueryRunnerAlreadyReleasedError) {
    return true;
  }
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const { code } = e as { code?: unknown };
    if (typeof code === "string" && (NODE_CODES.has(code) || SQLSTATE_CODES.has(code) || code.startsWith("08"))) {
      return true;
    }
    if (PG_MESSAGES.some((pattern) => pattern.test(e instanceof Error ? e.message : ""))) return true;
    e = (e as { driverError?: unknown }).driverError ?? e.cause;
  }
  return false;
}

const NODE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

// 57P01-03: the server is shutting down or starting; 53300: too many connections; 55000: a database
// that does not accept connections now (ALLOW_CONNECTIONS false); 3D000: no such database.
const SQLSTATE_CODES = new Set(["57P01", "57P02", "57P03", "53300", "55000", "3D000"]);

// node-postgres reports a lost or never-made connection in plain Errors, without a code.
const PG_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  // No answer within a query's read timeout (the LISTEN connection's heartbeat): the server or the
  // network in between has gone quiet.
  /^Query read timeout/,
];

/**
 * How a failed database call goes into a log line: for an unreachable database, what the driver
 * said and its code, in one line (its stack shows only where the socket broke, over and over during
 * an outage); any other error whole, stack included, to be looked into.
 */
export function databaseErrorLog(error: unknown): { reason: string; code?: string } | { err: unknown } {
  if (!isDatabaseUnavailable(error)) return { err: error };
  const { code } = error as { code?: unknown };
  return { reason: (error as Error).message, ...(typeof code === "string" ? { code } : {}) };
}

/** Whether a statement was cancelled for running longer than the pool's statement_timeout. */
export function isStatementTimeout(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === "57014" && /statement timeout/.test(e.message)) return true;
    e = (e as { driverError?: unknown }).driverError ?? e.cause;
  }
  return false;
}
