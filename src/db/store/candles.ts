import { type CandleStatements, DAILY_CANDLES_SQL, HOURLY_CANDLES_SQL } from "./candles-rollup";
import { rowsOf, type Sql } from "./sql";

/*
 * Candles narrower than an hour are aggregated from the raw quotes, in PostgreSQL, and only over the
 * buckets returned; wider ones are merged from the candle rollups (candles-rollup.ts), with the same
 * answer.
 *
 * A plain `GROUP BY date_bin(...) ORDER BY 1 LIMIT n` must aggregate every quote in the range
 * before it can keep n buckets: the planner cannot tell that date_bin preserves the index order,
 * so it hashes or sorts the whole range (all history when `to`/`from` are absent). Instead a
 * recursive CTE walks the unique index (asset_id, convert, last_updated) from bucket to bucket —
 * one `ORDER BY last_updated LIMIT 1` probe finds the first quote at or past the end of the
 * previous bucket, so gaps cost nothing — and the outer LIMIT stops the walk after n buckets
 * (PostgreSQL evaluates a WITH query only as far as its reader fetches). Each bucket is then
 * aggregated by a LATERAL index range scan over exactly its quotes, in last_updated order, so
 * open/close are the first/last element of the ordered array. Work is O(n · log N + quotes in
 * the n buckets), whatever the size of the history.
 *
 * Buckets start at whole multiples of the width from Monday 2000-01-03T00:00:00Z, so days begin at
 * 00:00 UTC and weeks on Monday. Only quotes inside [from, to) count, also in the first and last
 * bucket, whose start may lie before `from`.
 */

/** With `from`: the first $6 buckets from $4 on, walking the index forward.
 * $1 asset id · $2 convert · $3 width · $4 from (inclusive) · $5 to (exclusive, may be null) · $6 bucket count. */
export const CANDLES_FROM_SQL = `
WITH RECURSIVE bucket(start) AS (
  (SELECT date_bin($3::interval, p.last_updated, timestamptz '2000-01-03T00:00:00Z')
   FROM price_quote p
   WHERE p.asset_id = $1 AND p.convert = $2
     AND p.last_updated >= $4::timestamptz AND p.last_updated < coalesce($5::timestamptz, 'infinity')
   ORDER BY p.last_updated ASC
   LIMIT 1)
  UNION ALL
  SELECT date_bin($3::interval, later.last_updated, timestamptz '2000-01-03T00:00:00Z')
  FROM bucket b
  CROSS JOIN LATERAL (
    SELECT p.last_updated
    FROM price_quote p
    WHERE p.asset_id = $1 AND p.convert = $2
      AND p.last_updated >= b.start + $3::interval AND p.last_updated < coalesce($5::timestamptz, 'infinity')
    ORDER BY p.last_updated ASC
    LIMIT 1
  ) later
)
SELECT b.start, c.prices[1] AS open, c.high, c.low, c.prices[c.samples] AS close, c.samples
FROM (SELECT start FROM bucket LIMIT $6) b
CROSS JOIN LATERAL (
  SELECT array_agg(p.price ORDER BY p.last_updated) AS prices,
         max(p.price) AS high, min(p.price) AS low, count(*)::int AS samples
  FROM price_quote p
  WHERE p.asset_id = $1 AND p.convert = $2
    AND p.last_updated >= greatest(b.start, $4::timestamptz)
    AND p.last_updated < least(b.start + $3::interval, coalesce($5::timestamptz, 'infinity'))
) c
ORDER BY b.start`;

/** Without `from`: the newest $5 buckets before $4, walking the index backward, returned oldest first.
 * $1 asset id · $2 convert · $3 width · $4 to (exclusive, may be null) · $5 bucket count. */
export const CANDLES_NEWEST_SQL = `
WITH RECURSIVE bucket(start) AS (
  (SELECT date_bin($3::interval, p.last_updated, timestamptz '2000-01-03T00:00:00Z')
   FROM price_quote p
   WHERE p.asset_id = $1 AND p.convert = $2 AND p.last_updated < coalesce($4::timestamptz, 'infinity')
   ORDER BY p.last_updated DESC
   LIMIT 1)
  UNION ALL
  SELECT date_bin($3::interval, earlier.last_updated, timestamptz '2000-01-03T00:00:00Z')
  FROM bucket b
  CROSS JOIN LATERAL (
    SELECT p.last_updated
    FROM price_quote p
    WHERE p.asset_id = $1 AND p.convert = $2 AND p.last_updated < b.start
    ORDER BY p.last_updated DESC
    LIMIT 1
  ) earlier
)
SELECT b.start, c.prices[1] AS open, c.high, c.low, c.prices[c.samples] AS close, c.samples
FROM (SELECT start FROM bucket LIMIT $5) b
CROSS JOIN LATERAL (
  SELECT array_agg(p.price ORDER BY p.last_updated) AS prices,
         max(p.price) AS high, min(p.price) AS low, count(*)::int AS samples
  FROM price_quote p
  WHERE p.asset_id = $1 AND p.convert = $2
    AND p.last_updated >= b.start
    AND p.last_updated < least(b.start + $3::interval, coalesce($4::timestamptz, 'infinity'))
) c
ORDER BY b.start`;

const RAW_CANDLES_SQL: CandleStatements = { from: CANDLES_FROM_SQL, newest: CANDLES_NEWEST_SQL };

/** Where candles of each width are read: the raw quotes, or the rollup whose buckets tile theirs. */
const STATEMENTS_BY_WIDTH = {
  "1 minute": RAW_CANDLES_SQL,
  "5 minutes": RAW_CANDLES_SQL,
  "15 minutes": RAW_CANDLES_SQL,
  "1 hour": HOURLY_CANDLES_SQL,
  "4 hours": HOURLY_CANDLES_SQL,
  "24 hours": DAILY_CANDLES_SQL,
  "168 hours": DAILY_CANDLES_SQL,
} as const satisfies Record<string, CandleStatements>;

/** A candle width, as a PostgreSQL interval. */
export type CandleWidth = keyof typeof STATEMENTS_BY_WIDTH;

export interface CandleQuery {
  assetId: number;
  convert: string;
  width: CandleWidth;
  from: Date | null;
  to: Date | null;
  limit: number;
}

export interface CandleRow {
  start: Date;
  /** numeric columns arrive as strings: converted to numbers only at the API edge. */
  open: string;
  high: string;
  low: string;
  close: string;
  samples: number;
}

/** Candles ascending by start: the first `limit` from `from`, or the newest `limit` without it. */
export function candles(db: Sql, q: CandleQuery): Promise<CandleRow[]> {
  const statements = STATEMENTS_BY_WIDTH[q.width];
  return q.from
    ? rowsOf<CandleRow>(db, statements.from, [q.assetId, q.convert, q.width, q.from, q.to, q.limit])
    : rowsOf<CandleRow>(db, statements.newest, [q.assetId, q.convert, q.width, q.to, q.limit]);
}
