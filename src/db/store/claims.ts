import type { DataSource } from "typeorm";
import { rowsOf, type Sql } from "./sql";

/**
 * Replicas on one schedule share one database; the first to insert a slot's row makes that slot's
 * CMC call. A replica that is down inserts nothing, so whichever is up runs: no leader to fail over.
 */
export async function claimSlot(db: Sql, slot: string, instance: string): Promise<boolean> {
  const rows: unknown[] = await rowsOf(
    db,
    `INSERT INTO ingestion_claim (slot, instance) VALUES ($1, $2) ON CONFLICT (slot) DO NOTHING RETURNING slot`,
    [slot, instance],
  );
  return rows.length === 1;
}

/** Any fixed number: replicas agree on it to decide the start-up run one at a time. */
const STARTUP_LOCK = 7_406_202_612;

/**
 * The start-up run's claim on `slot` (the schedule's latest tick), granted only when no run was
 * claimed within the last `intervalMs`. Replicas starting together decide one at a time under a
 * transaction-scoped advisory lock, each seeing the claims committed before it: whichever starts
 * first runs, and the others make no call, even when they start across a tick boundary.
 */
export function claimStartup(db: DataSource, slot: string, instance: string, intervalMs: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    await rowsOf(tx, `SELECT pg_advisory_xact_lock($1)`, [STARTUP_LOCK]);
    const claimed = await rowsOf(
      tx,
      `INSERT INTO ingestion_claim (slot, instance)
       SELECT $1, $2
       WHERE NOT EXISTS (
         SELECT 1 FROM ingestion_claim WHERE claimed_at > clock_timestamp() - $3 * interval '1 millisecond'
       )
       ON CONFLICT (slot) DO NOTHING
       RETURNING slot`,
      [slot, instance, intervalMs],
    );
    return claimed.length === 1;
  });
}

/** Claims only matter around their tick; a week keeps them for inspection. */
export async function pruneClaims(db: Sql): Promise<void> {
  await rowsOf(db, `DELETE FROM ingestion_claim WHERE claimed_at < now() - interval '7 days'`);
}
