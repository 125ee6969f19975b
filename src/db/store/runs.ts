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

/** Any fixed number: the first key of the advisory lock a live run holds, the run's id the second. */
const RUN_LOCK = 740_620_261;

/** A run's RUNNING record, held by its process until `release()`. */
export interface HeldRun {
  run: RunRow;
  release(): Promise<void>;
}

/**
 * The record of a run that begins now: RUNNING until `recordRun`. Its own connection holds an
 * advisory lock on it, taken in the statement that inserts it, until `release()`. A process that
 * dies loses its connections and with them the lock, so any replica can tell at once that the run
 * was interrupted (`closeInterruptedRuns`), however recent it is.
 */
export async function startRun(db: DataSource, trigger: IngestionTrigger, startedAt: Date): Promise<HeldRun> {
  const holder = db.createQueryRunner();
  let row: RawRun;
  try {
    [row] = await rowsOf<RawRun>(
      holder,
      `INSERT INTO ingestion_run (trigger, status, started_at) VALUES ($1, 'RUNNING', $2)
       RETURNING ${COLUMNS}, pg_advisory_lock($3, id)`,
      [trigger, startedAt, RUN_LOCK],
    );
  } catch (error) {
    await holder.release();
    throw error;
  }
  return {
    run: toRun(row),
    async release() {
      // Once the connection is gone (the database went away) the lock went with it.
      await holder.query(`SELECT pg_advisory_unlock($1, $2)`, [RUN_LOCK, row.id]).catch(() => undefined);
      await holder.release();
    },
  };
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

/** What a run did, ready to be recorded with its quotes (or kept until the database is back). */
export interface RunReport {
  /** The run's RUNNING record; null when the database was unreachable as the run began. */
  runId: number | null;
  trigger: IngestionTrigger;
  startedAt: Date;
  finishedAt: Date;
  /** CMC entries answered, valid or not. */
  quotesFetched: number;
  /** Entries skipped as invalid or missing from CMC's answer. */
  entriesSkipped: number;
  creditsUsed: number;
  /** The CMC failure that cut the run short, or null. */
  errorCode: string | null;
  errorMessage: string | null;
  quotes: readonly NewQuote[];
}

/**
 * A run's outcome: FAILED when CMC failed and nothing new was stored, PARTIAL when CMC failed after
 * something was stored or when entries were skipped, SUCCEEDED otherwise.
 */
export function runStatus(report: Pick<RunReport, "errorCode" | "entriesSkipped">, inserted: number): IngestionStatus {
  if (report.errorCode !== null) return inserted > 0 ? "PARTIAL" : "FAILED";
  return report.entriesSkipped > 0 ? "PARTIAL" : "SUCCEEDED";
}

/**
 * Stores a run's quotes and its complete record in one transaction: both or neither. The record is
 * the run's RUNNING one, or a new one for a run that began while the database was unreachable.
 */
export function recordRun(db: DataSource, report: RunReport): Promise<RunRow> {
  return db.transaction(async (tx) => {
    const inserted = await insertQuotesIn(tx, report.quotes);
    const values = [
      report.trigger,
      runStatus(report, inserted),
      report.startedAt,
      report.finishedAt,
      report.quotesFetched,
      inserted,
      report.quotesFetched - inserted,
      report.creditsUsed,
      report.errorCode,
      report.errorMessage,
    ];
    const [row]: RawRun[] =
      report.runId === null
        ? await rowsOf(
            tx,
            `INSERT INTO ingestion_run (trigger, status, started_at, finished_at, quotes_fetched, quotes_inserted,
               quotes_skipped, credits_used, error_code, error_message)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
            values,
          )
        : await rowsOf(
            tx,
            `UPDATE ingestion_run SET trigger = $1, status = $2, started_at = $3, finished_at = $4, quotes_fetched = $5,
               quotes_inserted = $6, quotes_skipped = $7, credits_used = $8, error_code = $9, error_message = $10
             WHERE id = $11 RETURNING ${COLUMNS}`,
            [...values, report.runId],
          );
    return toRun(row);
  });
}

/**
 * Runs left RUNNING by a process that stopped before it could finish them (killed, or the machine
 * gone): nobody holds their lock (`startRun`). Recorded FAILED; their ids. A run a live process kept
 * in memory through a database outage lost its lock with its connection and may be closed too: its
 * own record (`recordRun`, by id) replaces this one when the process stores it.
 */
export async function closeInterruptedRuns(db: Sql): Promise<number[]> {
  // Materialized: the lock is tried on RUNNING runs only, never on the whole table.
  const closed: { id: number }[] = await rowsOf(
    db,
    `WITH running AS MATERIALIZED (SELECT id FROM ingestion_run WHERE status = 'RUNNING')
     UPDATE ingestion_run SET status = 'FAILED', finished_at = now(), error_code = 'INTERRUPTED',
       error_message = 'interrupted: the process running it stopped before it finished'
     -- status again: checked on the row as it is when updated, so a run recorded meanwhile is left alone.
     WHERE status = 'RUNNING' AND id IN (SELECT id FROM running WHERE pg_try_advisory_xact_lock($1, id))
     RETURNING id`,
    [RUN_LOCK],
  );
  return closed.map((row) => row.id);
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
