import type { DataSource } from "typeorm";

/*
 * One page of an asset's quotes in one currency, by keyset on last_updated.
 *
 * Within one (asset_id, convert) last_updated is unique (price_quote_asset_convert_time_key), so it
 * alone is the keyset: pages never overlap or skip a row, whatever is inserted between requests.
 * The time range and the cursor are all bounds on the same index column, so every form of the
 * request is one index range scan (forward for ASC, backward for DESC) that stops after $6 rows.
 * Absent bounds become ±infinity rather than `$n IS NULL OR ...`, which would hide them from the
 * index. `position` is last_updated in whole epoch microseconds (timestamptz's own precision), so
 * a cursor names the exact row even where a JavaScript Date would round it to milliseconds.
 *
 * $1 asset id · $2 convert · $3 from (inclusive) · $4 to (exclusive) · $5 cursor position
 * (exclusive) · $6 row count.
 */
export const HISTORY_DESC_SQL = `
SELECT q.*, (extract(epoch FROM q.last_updated) * 1000000)::bigint::text AS position
FROM price_quote q
WHERE q.asset_id = $1 AND q.convert = $2
  AND q.last_updated >= coalesce($3::timestamptz, '-infinity')
  AND q.last_updated < coalesce($4::timestamptz, 'infinity')
  AND q.last_updated < coalesce(timestamptz 'epoch' + $5::bigint * interval '1 microsecond', 'infinity')
ORDER BY q.last_updated DESC
LIMIT $6`;

/** HISTORY_DESC_SQL mirrored: oldest first, the cursor a lower bound. */
export const HISTORY_ASC_SQL = `
SELECT q.*, (extract(epoch FROM q.last_updated) * 1000000)::bigint::text AS position
FROM price_quote q
WHERE q.asset_id = $1 AND q.convert = $2
  AND q.last_updated >= coalesce($3::timestamptz, '-infinity')
  AND q.last_updated < coalesce($4::timestamptz, 'infinity')
  AND q.last_updated > coalesce(timestamptz 'epoch' + $5::bigint * interval '1 microsecond', '-infinity')
ORDER BY q.last_updated ASC
LIMIT $6`;

export interface HistoryQuery {
  assetId: number;
  convert: string;
  from: Date | null;
  to: Date | null;
  /** Epoch microseconds of the last row already returned; null for the first page. */
  afterPosition: string | null;
  order: "ASC" | "DESC";
  limit: number;
}

/** Raw price_quote rows plus their `position` (epoch microseconds as a string), in the order asked for. */
export function queryHistory(dataSource: DataSource, q: HistoryQuery): Promise<Record<string, unknown>[]> {
  return dataSource.query(q.order === "ASC" ? HISTORY_ASC_SQL : HISTORY_DESC_SQL, [
    q.assetId,
    q.convert,
    q.from,
    q.to,
    q.afterPosition,
    q.limit,
  ]);
}
