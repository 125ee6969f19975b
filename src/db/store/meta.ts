import type { DataSource } from "typeorm";
import { rowsOf, type Sql } from "./sql";

const PRICE_SOURCE = "price_source";
const SEEDED = "tracked_symbols_seeded";

/** What a database says when a price source asks to use it. */
export type SourceClaim =
  /** The database is this source's (now or from before). */
  | { kind: "ours" }
  /** Another source's prices are in it. */
  | { kind: "other"; source: string }
  /** It holds quotes but no record of their source. */
  | { kind: "unknown-quotes" };

/**
 * Records the first price source to use a database; later sources learn whose it is. Under a table
 * lock, so two replicas of different sources starting together cannot both record theirs.
 */
export function claimPriceSource(db: DataSource, source: string): Promise<SourceClaim> {
  return db.transaction(async (tx): Promise<SourceClaim> => {
    await rowsOf(tx, `LOCK TABLE service_meta IN SHARE ROW EXCLUSIVE MODE`);
    const [recorded]: { value: string }[] = await rowsOf(tx, `SELECT value FROM service_meta WHERE key = $1`, [
      PRICE_SOURCE,
    ]);
    if (recorded) return recorded.value === source ? { kind: "ours" } : { kind: "other", source: recorded.value };
    const [{ quotes }]: { quotes: boolean }[] = await rowsOf(tx, `SELECT EXISTS (SELECT 1 FROM price_quote) AS quotes`);
    if (quotes) return { kind: "unknown-quotes" };
    await rowsOf(tx, `INSERT INTO service_meta (key, value) VALUES ($1, $2)`, [PRICE_SOURCE, source]);
    return { kind: "ours" };
  });
}

/** Whether TRACKED_SYMBOLS was applied to this database (it is, once, at the first start). */
export async function trackedSymbolsSeeded(db: Sql): Promise<boolean> {
  const rows: unknown[] = await rowsOf(db, `SELECT 1 FROM service_meta WHERE key = $1`, [SEEDED]);
  return rows.length > 0;
}

export async function markTrackedSymbolsSeeded(db: Sql): Promise<void> {
  await rowsOf(db, `INSERT INTO service_meta (key, value) VALUES ($1, 'true') ON CONFLICT (key) DO NOTHING`, [SEEDED]);
}
