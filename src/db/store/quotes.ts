import type { DataSource } from "typeorm";
import { QUOTE_CHANNEL } from "./channels";
import { DAILY, HOURLY, mergeQuotesSql } from "./rollups";
import { rowsOf, type Sql } from "./sql";

export interface QuoteNotification {
  count: number;
  maxId: string;
}

/**
 * One quote of one asset in one currency at one CMC `last_updated`. Money and supply are `numeric`
 * and stay decimal strings, so no digit is lost before the API edge.
 */
export interface QuoteValues {
  convert: string;
  price: string;
  volume24h: string | null;
  marketCap: string | null;
  percentChange1h: string | null;
  percentChange24h: string | null;
  percentChange7d: string | null;
  circulatingSupply: string | null;
  lastUpdated: Date;
}

/** A quote to store, bound to the asset row it belongs to. */
export interface NewQuote extends QuoteValues {
  assetId: number;
}

/** A stored quote. */
export interface QuoteRow extends NewQuote {
  /** bigint, as text. */
  id: string;
  ingestedAt: Date;
}

/** The columns every quote read selects, in the shape `toQuote` maps. */
export const QUOTE_COLUMNS = `id, asset_id, convert, price, volume_24h, market_cap, percent_change_1h,
  percent_change_24h, percent_change_7d, circulating_supply, last_updated, ingested_at`;

export interface RawQuote {
  id: string;
  asset_id: number;
  convert: string;
  price: string;
  volume_24h: string | null;
  market_cap: string | null;
  percent_change_1h: string | null;
  percent_change_24h: string | null;
  percent_change_7d: string | null;
  circulating_supply: string | null;
  last_updated: Date;
  ingested_at: Date;
}

/** The one mapping of a price_quote row. */
export function toQuote(r: RawQuote): QuoteRow {
  return {
    id: r.id,
    assetId: r.asset_id,
    convert: r.convert,
    price: r.price,
    volume24h: r.volume_24h,
    marketCap: r.market_cap,
    percentChange1h: r.percent_change_1h,
    percentChange24h: r.percent_change_24h,
    percentChange7d: r.percent_change_7d,
    circulatingSupply: r.circulating_supply,
    lastUpdated: r.last_updated,
    ingestedAt: r.ingested_at,
  };
}

/**
 * All quotes of a run in one statement. Re-ingesting a CMC minute is harmless: the
 * (asset, convert, last_updated) key drops repeats. The quotes actually inserted, and only those,
 * are merged into the candle rollups by the same statement (see rollups.ts).
 */
export const INSERT_QUOTES_SQL = `
WITH inserted AS (
  INSERT INTO price_quote (asset_id, convert, price, volume_24h, market_cap, percent_change_1h,
                           percent_change_24h, percent_change_7d, circulating_supply, last_updated)
  SELECT * FROM unnest($1::int[], $2::text[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[],
                       $7::numeric[], $8::numeric[], $9::numeric[], $10::timestamptz[])
  ON CONFLICT ON CONSTRAINT price_quote_asset_convert_time_key DO NOTHING
  RETURNING id, asset_id, convert, price, last_updated
),
hourly AS (
  ${mergeQuotesSql(HOURLY, "inserted")}
),
daily AS (
  ${mergeQuotesSql(DAILY, "inserted")}
)
SELECT id FROM inserted`;

/**
 * Inserts within the caller's transaction and announces what was new; NOTIFY is delivered at
 * commit, so listeners never look before the rows are visible. Returns how many quotes were new.
 */
export async function insertQuotesIn(tx: Sql, quotes: readonly NewQuote[]): Promise<number> {
  if (quotes.length === 0) return 0;
  const rows: { id: string }[] = await rowsOf(tx, INSERT_QUOTES_SQL, [
    quotes.map((q) => q.assetId),
    quotes.map((q) => q.convert),
    quotes.map((q) => q.price),
    quotes.map((q) => q.volume24h),
    quotes.map((q) => q.marketCap),
    quotes.map((q) => q.percentChange1h),
    quotes.map((q) => q.percentChange24h),
    quotes.map((q) => q.percentChange7d),
    quotes.map((q) => q.circulatingSupply),
    quotes.map((q) => q.lastUpdated.toISOString()),
  ]);
  if (rows.length > 0) {
    const maxId = rows.reduce((max, row) => (BigInt(row.id) > BigInt(max) ? row.id : max), rows[0].id);
    const payload: QuoteNotification = { count: rows.length, maxId };
    await rowsOf(tx, `SELECT pg_notify($1, $2)`, [QUOTE_CHANNEL, JSON.stringify(payload)]);
  }
  return rows.length;
}

/** A run's quotes in one transaction: stored whole or not at all. Returns how many were new. */
export function insertQuotes(db: DataSource, quotes: readonly NewQuote[]): Promise<number> {
  if (quotes.length === 0) return Promise.resolve(0);
  return db.transaction((tx) => insertQuotesIn(tx, quotes));
}

/** An (asset, currency) pair: the unit quotes are kept in. */
export interface QuotePair {
  assetId: number;
  convert: string;
}

/** The newest quote of each (asset, convert) pair: one backward index probe per pair. $1 asset ids · $2 converts. */
export const LATEST_QUOTES_SQL = `
SELECT q.*
FROM unnest($1::int[], $2::text[]) AS k(asset_id, convert)
CROSS JOIN LATERAL (
  SELECT ${QUOTE_COLUMNS} FROM price_quote p
  WHERE p.asset_id = k.asset_id AND p.convert = k.convert
  ORDER BY p.last_updated DESC
  LIMIT 1
) q`;

/** Pairs without quotes are absent; the order is not meaningful. */
export async function latestQuotes(db: Sql, pairs: readonly QuotePair[]): Promise<QuoteRow[]> {
  const rows: RawQuote[] = await rowsOf(db, LATEST_QUOTES_SQL, [
    pairs.map((p) => p.assetId),
    pairs.map((p) => p.convert),
  ]);
  return rows.map(toQuote);
}

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
SELECT ${QUOTE_COLUMNS}, (extract(epoch FROM q.last_updated) * 1000000)::bigint::text AS position
FROM price_quote q
WHERE q.asset_id = $1 AND q.convert = $2
  AND q.last_updated >= coalesce($3::timestamptz, '-infinity')
  AND q.last_updated < coalesce($4::timestamptz, 'infinity')
  AND q.last_updated < coalesce(timestamptz 'epoch' + $5::bigint * interval '1 microsecond', 'infinity')
ORDER BY q.last_updated DESC
LIMIT $6`;

/** HISTORY_DESC_SQL mirrored: oldest first, the cursor a lower bound. */
export const HISTORY_ASC_SQL = `
SELECT ${QUOTE_COLUMNS}, (extract(epoch FROM q.last_updated) * 1000000)::bigint::text AS position
FROM price_quote q
WHERE q.asset_id = $1 AND q.convert = $2
  AND q.last_updated >= coalesce($3::timestamptz, '-infinity')
  AND q.last_updated < coalesce($4::timestamptz, 'infinity')
  AND q.last_updated > coalesce(timestamptz 'epoch' + $5::bigint * interval '1 microsecond', '-infinity')
ORDER BY q.last_updated ASC
LIMIT $6`;

export interface HistoryQuery extends QuotePair {
  from: Date | null;
  to: Date | null;
  /** Epoch microseconds of the last row already returned; null for the first page. */
  afterPosition: string | null;
  order: "ASC" | "DESC";
  limit: number;
}

export interface HistoryEntry {
  quote: QuoteRow;
  /** Epoch microseconds of `quote.lastUpdated`, as text: where the next page continues. */
  position: string;
}

/** In the order asked for, at most `limit`. */
export async function historyPage(db: Sql, q: HistoryQuery): Promise<HistoryEntry[]> {
  const rows: (RawQuote & { position: string })[] = await rowsOf(
    db,
    q.order === "ASC" ? HISTORY_ASC_SQL : HISTORY_DESC_SQL,
    [q.assetId, q.convert, q.from, q.to, q.afterPosition, q.limit],
  );
  return rows.map((row) => ({ quote: toQuote(row), position: row.position }));
}
