import { QUOTE_COLUMNS, type QuoteRow, type RawQuote, toQuote } from "./quotes";
import { rowsOf, type Sql } from "./sql";

/** A position in commit order: every quote at or below it has been delivered. */
export interface FeedPosition {
  txId: bigint;
  id: bigint;
}

export interface FeedFilter {
  /** Asset row ids; null: every asset. */
  assetIds: readonly number[] | null;
  converts: readonly string[];
}

export interface FeedPage {
  quotes: QuoteRow[];
  position: FeedPosition;
  hasMore: boolean;
}

/**
 * Quotes after `position`, in commit order, but only below the frontier (the snapshot's xmin):
 * a transaction still running may hold a lower tx_id, so nothing at or above the frontier is final
 * yet. Frontier and rows come from one statement, hence one snapshot. Served by
 * price_quote_tx_order_idx as a range scan from the position.
 * $1 tx id · $2 quote id · $3 asset ids (null: all) · $4 converts · $5 row count.
 */
export const UPDATES_SQL = `
SELECT f.frontier::text AS frontier, q.*
FROM (SELECT quote_tx_frontier() AS frontier) f
LEFT JOIN LATERAL (
  SELECT ${QUOTE_COLUMNS}, p.tx_id::text AS tx_position
  FROM price_quote p
  WHERE (p.tx_id, p.id) > ($1::bigint, $2::bigint)
    AND p.tx_id < f.frontier
    AND ($3::int[] IS NULL OR p.asset_id = ANY($3::int[]))
    AND p.convert = ANY($4::text[])
  ORDER BY p.tx_id, p.id
  LIMIT $5
) q ON true`;

/**
 * The starting point of a poller: the newest final quote of each asset and currency, and the
 * frontier as position, so the next poll brings exactly what comes after.
 * $1 asset ids · $2 converts.
 */
export const LATEST_FINAL_SQL = `
SELECT f.frontier::text AS frontier, q.*
FROM (SELECT quote_tx_frontier() AS frontier) f
LEFT JOIN LATERAL (
  SELECT l.*
  FROM unnest($1::int[]) AS a(id)
  CROSS JOIN unnest($2::text[]) AS c(convert)
  CROSS JOIN LATERAL (
    SELECT ${QUOTE_COLUMNS} FROM price_quote p
    WHERE p.asset_id = a.id AND p.convert = c.convert AND p.tx_id < f.frontier
    ORDER BY p.last_updated DESC
    LIMIT 1
  ) l
  ORDER BY l.asset_id, l.convert
) q ON true`;

/** A quote row beside its statement's frontier; the quote columns are null when no row matched. */
type FeedRow = RawQuote & { frontier: string; tx_position?: string };

/** A quote and its own position in commit order. */
export interface FeedEntry {
  quote: QuoteRow;
  position: FeedPosition;
}

/** A page of the feed with each quote's position (what the in-memory fan-out keeps). */
export interface FeedEntryPage {
  entries: FeedEntry[];
  position: FeedPosition;
  hasMore: boolean;
}

const quotesOf = (rows: FeedRow[]) => rows.filter((r) => r.id !== null).map(toQuote);

/** Negative, zero or positive as `a` comes before, at or after `b` in commit order. */
export function comparePositions(a: FeedPosition, b: FeedPosition): number {
  if (a.txId !== b.txId) return a.txId < b.txId ? -1 : 1;
  return a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
}

/** The later of two positions. */
export const laterPosition = (a: FeedPosition, b: FeedPosition): FeedPosition => (comparePositions(a, b) >= 0 ? a : b);

/**
 * The page rule every reader of the feed follows, from the table or from memory: at most `limit`
 * of the `found` quotes after `after` (at least `limit + 1` of them when there are more, all of them
 * otherwise). A full page with more behind it ends at its last quote; any other page ends at
 * `through`, the position up to which every quote has been looked at (the frontier, for a read of
 * the table), or stays at `after` when that is already later.
 */
export function pageOf(after: FeedPosition, found: readonly FeedEntry[], limit: number, through: FeedPosition) {
  const hasMore = found.length > limit;
  const entries = found.slice(0, limit);
  const last = entries.at(-1);
  const position = hasMore && last ? last.position : laterPosition(after, through);
  return { entries, position, hasMore };
}

/** At most `limit` quotes after `after` in commit order, with their positions, and where the next read continues. */
export async function readUpdateEntries(
  db: Sql,
  after: FeedPosition,
  filter: FeedFilter,
  limit: number,
): Promise<FeedEntryPage> {
  const rows: FeedRow[] = await rowsOf(db, UPDATES_SQL, [
    after.txId.toString(),
    after.id.toString(),
    filter.assetIds,
    filter.converts,
    limit + 1,
  ]);
  const found = rows
    .filter((r) => r.id !== null)
    .map((r) => ({ quote: toQuote(r), position: { txId: BigInt(r.tx_position as string), id: BigInt(r.id) } }));
  // Everything below the frontier has been seen: a page that is not full ends there.
  return pageOf(after, found, limit, { txId: BigInt(rows[0].frontier), id: 0n });
}

/** At most `limit` quotes after `after` in commit order, and where the next read continues. */
export async function readUpdates(db: Sql, after: FeedPosition, filter: FeedFilter, limit: number): Promise<FeedPage> {
  return pageOfQuotes(await readUpdateEntries(db, after, filter, limit));
}

/** A page with its positions dropped. */
export const pageOfQuotes = ({ entries, position, hasMore }: FeedEntryPage): FeedPage => ({
  quotes: entries.map((e) => e.quote),
  position,
  hasMore,
});

/** The newest final quote of each asset and currency, and the position after everything final. */
export async function readLatestFinal(
  db: Sql,
  assetIds: readonly number[],
  converts: readonly string[],
): Promise<FeedPage> {
  const rows: FeedRow[] = await rowsOf(db, LATEST_FINAL_SQL, [assetIds, converts]);
  return { quotes: quotesOf(rows), position: { txId: BigInt(rows[0].frontier), id: 0n }, hasMore: false };
}

/** Where a new subscriber starts: after everything already final. */
export async function readFrontier(db: Sql): Promise<FeedPosition> {
  const [{ frontier }] = await rowsOf<{ frontier: string }>(db, `SELECT quote_tx_frontier()::text AS frontier`);
  return { txId: BigInt(frontier), id: 0n };
}
