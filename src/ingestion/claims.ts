import type { DataSource } from "typeorm";

/**
 * Replicas on one schedule share one database; the first to insert a slot's row makes that slot's
 * CMC call. A replica that is down inserts nothing, so whichever is up runs: no leader to fail over.
 */
export async function claimSlot(dataSource: DataSource, slot: string, instance: string): Promise<boolean> {
  const rows: unknown[] = await dataSource.query(
    `INSERT INTO ingestion_claim (slot, instance) VALUES ($1, $2) ON CONFLICT (slot) DO NOTHING RETURNING slot`,
    [slot, instance],
  );
  return rows.length === 1;
}

/** Claims only matter around their tick; a week keeps them for inspection. */
export async function pruneClaims(dataSource: DataSource): Promise<void> {
  await dataSource.query(`DELETE FROM ingestion_claim WHERE claimed_at < now() - interval '7 days'`);
}
