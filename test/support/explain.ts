import type { DataSource } from "typeorm";
import { rebuildRollups } from "../../src/db/store/rollups";

/** The text plan, as a reviewer reads it. */
export async function plan(ds: DataSource, sql: string, params: unknown[]): Promise<string> {
  const rows: { "QUERY PLAN": string }[] = await ds.query(`EXPLAIN ${sql}`, params);
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

/** The executed plan's root node (EXPLAIN ANALYZE, JSON): actual rows and loops, and buffers, per node. */
export async function analyze(ds: DataSource, sql: string, params: unknown[]): Promise<Record<string, any>> {
  const [{ "QUERY PLAN": analyzed }] = await ds.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
  return analyzed[0].Plan;
}

/**
 * Enough rows that the planner prefers indexes: 20 tracked assets (CMC ids 1000–1019) with a USD
 * quote each minute for 2,000 minutes from 2026-01-01 (40,000 quotes), their candle rollups, then
 * ANALYZE.
 */
export async function seedMinuteQuotes(ds: DataSource): Promise<void> {
  await ds.query(
    `INSERT INTO asset (cmc_id, symbol, name, slug, tracked) SELECT g, 'C' || g, 'Coin ' || g, 'coin-' || g, true FROM generate_series(1000, 1019) g`,
  );
  await ds.query(`
    INSERT INTO price_quote (asset_id, convert, price, last_updated)
    SELECT a.id, 'USD', 100 + m, timestamptz '2026-01-01' + m * interval '1 minute'
    FROM asset a CROSS JOIN generate_series(1, 2000) m WHERE a.cmc_id BETWEEN 1000 AND 1019`);
  await rebuildRollups(ds);
  await ds.query("ANALYZE price_quote, price_candle_hour, price_candle_day");
}
