import { BUCKET_ORIGIN, DAILY, HOURLY, type Rollup } from "./rollups";

/*
 * Candles read from a rollup whose buckets tile theirs (hours for HOUR and FOUR_HOURS, days for DAY
 * and WEEK), with the same answer as aggregating the raw quotes (candles.ts).
 *
 * A candle is the merge of parts, each the aggregate of some of its quotes (first and last
 * `last_updated`, open, high, low, close, count): the rollup rows lying wholly inside [from, to),
 * plus, where `from` or `to` cuts a rollup bucket, the raw quotes of the cut piece (at most one
 * rollup bucket at each end, read from the quotes' index). Merged per candle bucket: the open of the
 * earliest part, the close of the latest, the extremes, the sum of counts.
 *
 * A candle bucket holds at most `ratio` = width ÷ rollup width rollup rows, so the first (or newest)
 * `limit` × `ratio` rollup rows in index order cover the first (or newest) `limit` candles that hold
 * any: the index range scan stops there, however long the history. Of the buckets merged, the
 * last one kept is complete, either because rows beyond it were read or because each of the `limit`
 * buckets holds all `ratio` rows.
 */

/** The rollup rows of the pair, with start in [lo, hi), the first (ASC) or last (DESC) `rows` of them. */
function rollupParts(rollup: Rollup, lo: string, hi: string, order: "ASC" | "DESC", rows: string): string {
  return `(SELECT r.open_last_updated AS first_at, r.open, r.high, r.low, r.close, r.close_last_updated AS last_at,
          r.samples
   FROM ${rollup.table} r
   WHERE r.asset_id = $1 AND r.convert = $2 AND r.bucket_start >= ${lo} AND r.bucket_start < ${hi}
   ORDER BY r.bucket_start ${order}
   LIMIT ${rows} * (extract(epoch FROM $3::interval) / extract(epoch FROM interval '${rollup.width}'))::int)`;
}

/** The raw quotes of the pair in [lo, hi) as one part, or none; [lo, hi) lies within one rollup bucket. */
function quotePart(lo: string, hi: string): string {
  return `SELECT min(p.last_updated), (array_agg(p.price ORDER BY p.last_updated))[1], max(p.price), min(p.price),
          (array_agg(p.price ORDER BY p.last_updated DESC))[1], max(p.last_updated), count(*)::int
   FROM price_quote p
   WHERE p.asset_id = $1 AND p.convert = $2 AND p.last_updated >= ${lo} AND p.last_updated < ${hi}
   HAVING count(*) > 0`;
}

/** Parts merged into candles of width $3. */
function merged(parts: string[]): string {
  return `SELECT date_bin($3::interval, part.first_at, ${BUCKET_ORIGIN}) AS start,
         (array_agg(part.open ORDER BY part.first_at))[1] AS open, max(part.high) AS high, min(part.low) AS low,
         (array_agg(part.close ORDER BY part.last_at DESC))[1] AS close, sum(part.samples)::int AS samples
  FROM (
  ${parts.join("\n  UNION ALL\n  ")}
  ) part
  GROUP BY 1`;
}

/** The first rollup bucket wholly at or after $n: $n rounded up to the rollup's width. */
const ceil = (rollup: Rollup, n: number) =>
  `(date_bin('${rollup.width}', $${n}::timestamptz - interval '1 microsecond', ${BUCKET_ORIGIN}) + interval '${rollup.width}')`;
/** The rollup bucket holding $n, where the whole buckets before it end; infinity when $n is null. */
const floor = (rollup: Rollup, n: number) =>
  `coalesce(date_bin('${rollup.width}', $${n}::timestamptz, ${BUCKET_ORIGIN}), 'infinity')`;
const until = (n: number) => `coalesce($${n}::timestamptz, 'infinity')`;

/** The same parameters and answer as CANDLES_FROM_SQL. */
function fromSql(rollup: Rollup): string {
  const lo = ceil(rollup, 4);
  const hi = floor(rollup, 5);
  return `
${merged([
  rollupParts(rollup, lo, hi, "ASC", "$6"),
  quotePart("$4::timestamptz", `least(${lo}, ${until(5)})`),
  quotePart(`greatest(${hi}, ${lo})`, until(5)),
])}
ORDER BY 1
LIMIT $6`;
}

/** The same parameters and answer as CANDLES_NEWEST_SQL. */
function newestSql(rollup: Rollup): string {
  const hi = floor(rollup, 4);
  return `
SELECT * FROM (
${merged([rollupParts(rollup, "'-infinity'", hi, "DESC", "$5"), quotePart(hi, until(4))])}
ORDER BY 1 DESC
LIMIT $5
) newest
ORDER BY start`;
}

export interface CandleStatements {
  from: string;
  newest: string;
}

export const HOURLY_CANDLES_SQL: CandleStatements = { from: fromSql(HOURLY), newest: newestSql(HOURLY) };
export const DAILY_CANDLES_SQL: CandleStatements = { from: fromSql(DAILY), newest: newestSql(DAILY) };
