import type { DataSource } from "typeorm";
import { ROLLUPS } from "../../src/db/store/rollups";

/**
 * Rows in which each rollup table and the aggregation of the raw quotes disagree, per table: both
 * zero when the rollups are exact. Computed here from price_quote alone, independently of the store.
 */
export async function rollupDifferences(ds: DataSource): Promise<Record<string, number>> {
  const differences: Record<string, number> = {};
  for (const { table, width } of ROLLUPS) {
    const raw = `
      SELECT asset_id, convert, date_bin('${width}', last_updated, timestamptz '2000-01-03T00:00:00Z') AS bucket_start,
             (array_agg(price ORDER BY last_updated))[1] AS open, min(last_updated) AS open_last_updated,
             max(price) AS high, min(price) AS low, (array_agg(price ORDER BY last_updated DESC))[1] AS close,
             max(last_updated) AS close_last_updated, count(*)::int AS samples
      FROM price_quote GROUP BY 1, 2, 3`;
    const kept = `SELECT asset_id, convert, bucket_start, open, open_last_updated, high, low, close, close_last_updated,
                         samples FROM ${table}`;
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM ((${raw} EXCEPT ${kept}) UNION ALL (${kept} EXCEPT ${raw})) d`,
    );
    differences[table] = n;
  }
  return differences;
}

/** What `rollupDifferences` returns for exact rollups. */
export const NO_DIFFERENCES = Object.fromEntries(ROLLUPS.map((r) => [r.table, 0]));
