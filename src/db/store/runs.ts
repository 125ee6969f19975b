import type { DataSource } from "typeorm";
import type { IngestionStatus, IngestionTrigger } from "../entities/ingestion-run.entity";
import { insertQuotesIn, type NewQuote } from "./quotes";
import { rowsOf, type Sql } from "./sql";

/** One attempt to fetch and store quotes, whatever its outcome. */
export interface RunRow {
  id: number;
  trigger: IngestionTrigger;
  status: IngestionStatus;
  startedAt: Date;
  finishedAt: Date | null;
  quotesFetched: number;
  quotesInserted: number;
  quotesSkipped: number;
  creditsUsed: number;
  errorCode: string | null;
  errorMessage: string | null;
}

interface RawRun {
  id: number;
  trigger: IngestionTrigger;
  status: IngestionStatus;
  started_at: Date;
  finished_at: Date | null;
  quotes_fetched: number;
  quotes_inserted: number;
  quotes_skipped: number;
  credits_used: number;
  error_code: string | null;
  error_message: string | null;
}

const COLUMNS = `id, trigger, status, started_at, finished_at, quotes_fetched, quotes_inserted, quotes_skipped,
  credits_used, error_code, error_message`;

function toRun(r: RawRun): RunRow {
  return {
    id: r.id,
    trigger: r.trigger,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    quotesFetched: r.quotes_fetched,
    quotesInserted: r.quotes_inserted,
    quotesSkipped: r.quotes_skipped,
    creditsUsed: r.credits_used,
    errorCode: r.error_code,
    errorMessage: r.error_message,
  };
}

/** The record of a run that begins now: RUNNING until `finishRun`. */
export async function startRun(db: Sql, trigger: IngestionTrigger, startedAt: Date): Promise<RunRow> {
  const [row]: RawRun[] = await rowsOf(
    db,
    `INSERT INTO ingestion_run (trigger, status, started_at) VALUES ($1, 'RUNNING', $2) RETURNING ${COLUMNS}`,
    [trigger, startedAt],
  );
  return toRun(row);
}

/** Writes a run's outcome: status, finish time, figures and error. */
export async function finishRun(db: Sql, run: RunRow): Promise<RunRow> {
  const [row]: RawRun[] = await rowsOf(
    db,
    `UPDATE ingestion_run SET status = $2, finished_at = $3, quotes_fetched = $4, quotes_inserted = $5,
       quotes_skipped = $6, credits_used = $7, error_code = $8, error_message = $9
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      run.id,
      run.status,
      run.finishedAt,
      run.quotesFetched,
      run.quotesInserted,
      run.quotesSkipped,
      run.creditsUsed,
      run.errorCode,
      run.errorMessage,
    ],
  );
  return toRun(row);
}

/** A run that did not happen (one was already in progress), recorded as such. */
export async function recordSkippedRun(db: Sql, trigger: IngestionTrigger, at: Date, reason: string): Promise<RunRow> {
  const [row]: RawRun[] = await rowsOf(
    db,
    `INSERT INTO ingestion_run (trigger, status, started_at, finished_at, error_code, error_message)
     VALUES ($1, 'SKIPPED', $2, $2, 'SKIPPED', $3) RETURNING ${COLUMNS}`,
    [trigger, at, reason],
  );
  return toRun(row);
}

/** Quotes a run fetched while the database was unavailable, with the figures its record lacks. */
export interface BufferedRun {
  runId: number;
  quotesFetched: number;
  creditsUsed: number;
  /** The CMC failure that cut the run short (a later batch failed), or null. */
  errorCode: string | null;
  errorMessage: string | null;
  quotes: readonly NewQuote[];
}

/**
 * Stores a buffered run's quotes and completes its record (left RUNNING when the database went
 * away), in one transaction: SUCCEEDED, or with its CMC error PARTIAL (FAILED when nothing was
 * new), as a run that could write at once. Returns how many quotes were new.
 */
export function storeBufferedRun(db: DataSource, batch: BufferedRun): Promise<number> {
  return db.transaction(async (tx) => {
    const inserted = await insertQuotesIn(tx, batch.quotes);
    await rowsOf(
      tx,
      `UPDATE ingestion_run SET quotes_fetched = $2, credits_used = $3, quotes_inserted = quotes_inserted + $4,
         quotes_skipped = greatest($2 - quotes_inserted - $4, 0),
         status = CASE
           WHEN status <> 'RUNNING' THEN status
           WHEN $5::text IS NULL THEN 'SUCCEEDED'
           WHEN quotes_inserted + $4 > 0 THEN 'PARTIAL'
           ELSE 'FAILED'
         END,
         error_code = coalesce(error_code, $5), error_message = coalesce(error_message, $6),
         finished_at = coalesce(finished_at, now())
       WHERE id = $1`,
      [batch.runId, batch.quotesFetched, batch.creditsUsed, inserted, batch.errorCode, batch.errorMessage],
    );
    return inserted;
  });
}

/** The newest run first; `status` narrows to one outcome. */
export async function recentRuns(db: Sql, q: { limit: number; status: IngestionStatus | null }): Promise<RunRow[]> {
  const rows: RawRun[] = await rowsOf(
    db,
    `SELECT ${COLUMNS} FROM ingestion_run
     WHERE ($1::text IS NULL OR status = $1)
     ORDER BY started_at DESC, id DESC
     LIMIT $2`,
    [q.status, q.limit],
  );
  return rows.map(toRun);
}

/** When the newest SUCCEEDED run finished. */
export async function lastSucceededAt(db: Sql): Promise<Date | null> {
  const [row]: { finished_at: Date | null }[] = await rowsOf(
    db,
    `SELECT finished_at FROM ingestion_run WHERE status = 'SUCCEEDED' ORDER BY started_at DESC LIMIT 1`,
  );
  return row?.finished_at ?? null;
}

/** When the last run that stored quotes (SUCCEEDED or PARTIAL) finished. */
export async function lastStoringRunFinishedAt(db: Sql): Promise<Date | null> {
  const [{ last }]: { last: Date | null }[] = await rowsOf(
    db,
    `SELECT max(finished_at) AS last FROM ingestion_run WHERE status IN ('SUCCEEDED', 'PARTIAL')`,
  );
  return last;
}
