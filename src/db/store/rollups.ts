import type { DataSource } from "typeorm";
import { QUOTE_CHANNEL } from "./channels";
import { rowsOf, type Sql } from "./sql";

/*
 * Candle rollups: per asset, currency and fixed-width UTC bucket, the open, high, low, close and
 * count of the stored quotes, in price_candle_hour and price_candle_day (CandleRollups migration).
 *
 * They are kept exact by merging: a row is the aggregate of a set of quotes, and two rows of the same
 * bucket merge into the aggregate of both sets (the earlier open, the later close, the extremes, the
 * sum of counts). Open and close carry the `last_updated` they came from, so merging is
 * order-independent: late and out-of-order quotes land where they belong. The insert that stores
 * quotes merges exactly the rows it inserted (a quote already stored conflicts, is not returned and
 * adds nothing) in the same statement, hence the same transaction; the merge is an
 * INSERT … ON CONFLICT DO UPDATE, which locks the row and re-reads its committed version, so
 * replicas inserting into one bucket at once add up instead of overwriting each other. Rows are
 * merged in key order, so two such transactions never wait on each other in a cycle.
 */

/** Every candle bucket is a whole multiple of its width from this Monday, 00:00 UTC. */
export const BUCKET_ORIGIN = "timestamptz '2000-01-03T00:00:00Z'";

export interface Rollup {
  table: "price_candle_hour" | "price_candle_day";
  /** As a PostgreSQL interval; a day is 24 hours, whatever the session's time zone. */
  width: string;
}

export const HOURLY: Rollup = { table: "price_candle_hour", width: "1 hour" };
export const DAILY: Rollup = { table: "price_candle_day", width: "24 hours" };
export const ROLLUPS: readonly Rollup[] = [HOURLY, DAILY];

const COLUMNS =
  "asset_id, convert, bucket_start, open, open_last_updated, high, low, close, close_last_updated, samples";

/** The rollup rows of the quotes in `source` (columns asset_id, convert, price, last_updated), in key order. */
function aggregate(rollup: Rollup, source: string): string {
  return `SELECT q.asset_id, q.convert, date_bin('${rollup.width}', q.last_updated, ${BUCKET_ORIGIN}),
       (array_agg(q.price ORDER BY q.last_updated))[1], min(q.last_updated), max(q.price), min(q.price),
       (array_agg(q.price ORDER BY q.last_updated DESC))[1], max(q.last_updated), count(*)
  FROM ${source} q
  GROUP BY 1, 2, 3
  ORDER BY 1, 2, 3`;
}

/** Merges the quotes of `source`, newly stored, into the rollup. */
export function mergeQuotesSql(rollup: Rollup, source: string): string {
  return `INSERT INTO ${rollup.table} AS c (${COLUMNS})
  ${aggregate(rollup, source)}
  ON CONFLICT ON CONSTRAINT ${rollup.table}_pkey DO UPDATE SET
    open = CASE WHEN excluded.open_last_updated < c.open_last_updated THEN excluded.open ELSE c.open END,
    open_last_updated = least(c.open_last_updated, excluded.open_last_updated),
    high = greatest(c.high, excluded.high),
    low = least(c.low, excluded.low),
    close = CASE WHEN excluded.close_last_updated > c.close_last_updated THEN excluded.close ELSE c.close END,
    close_last_updated = greatest(c.close_last_updated, excluded.close_last_updated),
    samples = c.samples + excluded.samples`;
}

/*
 * Rebuilding (npm run rollups:rebuild), for quotes written around the store: a bulk load, a restore.
 *
 * Online: one (asset, currency) pair and one day at a time, each in a short transaction that
 * replaces the rollup rows of that day with the aggregate of its raw quotes. The transaction
 * first locks price_quote in SHARE ROW EXCLUSIVE mode: it waits for transactions inserting quotes to
 * commit and holds new ones back until it commits (readers are never blocked), so the aggregate it
 * writes includes every committed quote and no insert merges into rows it is replacing. Quotes
 * inserted after it merge into the rebuilt rows as usual. The mode conflicts with itself, so two
 * rebuilds running at once take turns chunk by chunk and both end with the same rows: idempotent.
 */

/** Days rebuilt per transaction: a day of minute quotes (1,440) per pair holds back inserts for milliseconds. */
export const REBUILD_CHUNK_DAYS = 1;

export interface QuotePairKey {
  assetId: number;
  convert: string;
}

/** The distinct (asset_id, convert) of a table, by skipping through its index rather than reading every row. */
function pairsOf(table: string): string {
  return `(WITH RECURSIVE pair AS (
    (SELECT asset_id, convert FROM ${table} ORDER BY asset_id, convert LIMIT 1)
    UNION ALL
    SELECT n.asset_id, n.convert FROM pair p CROSS JOIN LATERAL (
      SELECT t.asset_id, t.convert FROM ${table} t
      WHERE (t.asset_id, t.convert) > (p.asset_id, p.convert)
      ORDER BY t.asset_id, t.convert LIMIT 1) n
  ) SELECT asset_id, convert FROM pair)`;
}

/** Every pair with quotes or rollup rows (rows whose quotes are gone are rebuilt to nothing). */
export const REBUILD_PAIRS_SQL = `
${pairsOf("price_quote")}
UNION ${pairsOf(HOURLY.table)}
UNION ${pairsOf(DAILY.table)}
ORDER BY 1, 2`;

/** The start of the day holding the pair's first quote or rollup row at or after $3. $1 asset id · $2 convert. */
export const NEXT_REBUILD_DAY_SQL = `
SELECT date_bin('24 hours', least(
  (SELECT min(last_updated) FROM price_quote WHERE asset_id = $1 AND convert = $2 AND last_updated >= $3),
  (SELECT min(bucket_start) FROM ${HOURLY.table} WHERE asset_id = $1 AND convert = $2 AND bucket_start >= $3),
  (SELECT min(bucket_start) FROM ${DAILY.table} WHERE asset_id = $1 AND convert = $2 AND bucket_start >= $3)
), ${BUCKET_ORIGIN}) AS day`;

/*
 * One chunk: $1 asset id · $2 convert · $3 from · $4 to, both on day boundaries. The rows go first
 * (a statement does not see its own deletions), then both rollups are filled from one read of the
 * quotes, by the same merge the insert uses (with nothing left to merge with).
 */
export const REBUILD_CHUNK_SQL: readonly string[] = [
  "LOCK TABLE price_quote IN SHARE ROW EXCLUSIVE MODE",
  `WITH ${ROLLUPS.map(
    (r, i) => `emptied_${i} AS (DELETE FROM ${r.table} WHERE asset_id = $1 AND convert = $2 AND bucket_start >= $3
      AND bucket_start < $4)`,
  ).join(", ")}
SELECT 1`,
  `WITH quotes AS MATERIALIZED (
  SELECT asset_id, convert, price, last_updated FROM price_quote
  WHERE asset_id = $1 AND convert = $2 AND last_updated >= $3 AND last_updated < $4
), ${ROLLUPS.map((r, i) => `filled_${i} AS (${mergeQuotesSql(r, "quotes")})`).join(", ")}
SELECT 1`,
];

export interface RebuildReport {
  pairs: number;
  /** Transactions run: one per pair and chunk of days holding quotes or rollup rows. */
  chunks: number;
}

/**
 * Replaces the rollup rows of [from, to) of one pair (day boundaries) with the aggregate of its quotes,
 * and announces the commit as stored quotes do: replicas empty their response caches (candles changed).
 */
async function rebuildChunk(db: DataSource, pair: QuotePairKey, from: Date, to: Date): Promise<void> {
  await db.transaction(async (tx) => {
    for (const sql of REBUILD_CHUNK_SQL)
      await rowsOf(tx, sql, sql.startsWith("LOCK") ? [] : [pair.assetId, pair.convert, from, to]);
    await rowsOf(tx, `SELECT pg_notify($1, '{}')`, [QUOTE_CHANNEL]);
  });
}

async function nextDay(db: Sql, pair: QuotePairKey, from: Date | null): Promise<Date | null> {
  const [{ day }]: { day: Date | null }[] = await rowsOf(db, NEXT_REBUILD_DAY_SQL, [
    pair.assetId,
    pair.convert,
    from ?? "-infinity",
  ]);
  return day;
}

const DAY_MS = 86_400_000;

/**
 * Rebuilds every rollup from the raw quotes, while quotes keep being inserted; days without quotes
 * or rollup rows are skipped. Running it again changes nothing.
 */
export async function rebuildRollups(
  db: DataSource,
  chunkDays = REBUILD_CHUNK_DAYS,
  onPair: (pair: QuotePairKey) => void = () => undefined,
): Promise<RebuildReport> {
  const pairs: { asset_id: number; convert: string }[] = await rowsOf(db, REBUILD_PAIRS_SQL);
  let chunks = 0;
  for (const row of pairs) {
    const pair = { assetId: row.asset_id, convert: row.convert };
    onPair(pair);
    for (let from = await nextDay(db, pair, null); from !== null; ) {
      const to = new Date(from.getTime() + chunkDays * DAY_MS);
      await rebuildChunk(db, pair, from, to);
      chunks += 1;
      from = await nextDay(db, pair, to);
    }
  }
  return { pairs: pairs.length, chunks };
}
