import type { DataSource } from "typeorm";
import type { PriceQuote } from "../../db/entities/price-quote.entity";
import { fromRow } from "../loaders";

/** A position in commit order: every quote at or below it has been delivered. */
export interface UpdatesPosition {
  txId: bigint;
  id: bigint;
}

export interface UpdatesFilter {
  /** Asset row ids; null: every asset. */
  assetIds: number[] | null;
  converts: string[];
}

export interface UpdatesPage {
  quotes: PriceQuote[];
  position: UpdatesPosition;
  hasMore: boolean;
}

/**
 * Quotes after `position`, in commit order, but only below the frontier (the snapshot's xmin):
 * a transaction still running may hold a lower tx_id, so nothing at or above the frontier is final
 * yet. Frontier and rows come from one statement, hence one snapshot. Served by
 * price_quote_tx_order_idx as a range scan from the position.
 */
export const UPDATES_SQL = `
SELECT f.frontier::text AS frontier, q.*
FROM (SELECT quote_tx_frontier() AS frontier) f
LEFT JOIN LATERAL (
  SELECT p.*, p.tx_id::text AS tx_position
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
 */
export const LATEST_FINAL_SQL = `
SELECT f.frontier::text AS frontier, q.*
FROM (SELECT quote_tx_frontier() AS frontier) f
LEFT JOIN LATERAL (
  SELECT l.*
  FROM unnest($1::int[]) AS a(id)
  CROSS JOIN unnest($2::text[]) AS c(convert)
  CROSS JOIN LATERAL (
    SELECT p.* FROM price_quote p
    WHERE p.asset_id = a.id AND p.convert = c.convert AND p.tx_id < f.frontier
    ORDER BY p.last_updated DESC
    LIMIT 1
  ) l
  ORDER BY l.asset_id, l.convert
) q ON true`;

type Row = Record<string, unknown> & { frontier: string; id: string | null; tx_position?: string };

const toQuotes = (dataSource: DataSource, rows: Row[]) =>
  rows.filter((r) => r.id !== null).map((r) => dataSource.getRepository("PriceQuote").create(fromRow(r)) as PriceQuote);

const max = (a: UpdatesPosition, b: UpdatesPosition) =>
  a.txId > b.txId || (a.txId === b.txId && a.id >= b.id) ? a : b;

export async function readUpdates(
  dataSource: DataSource,
  after: UpdatesPosition,
  filter: UpdatesFilter,
  limit: number,
): Promise<UpdatesPage> {
  const rows: Row[] = await dataSource.query(UPDATES_SQL, [
    after.txId.toString(),
    after.id.toString(),
    filter.assetIds,
    filter.converts,
    limit + 1,
  ]);
  const found = rows.filter((r) => r.id !== null);
  const hasMore = found.length > limit;
  const page = found.slice(0, limit);
  const last = page.at(-1);
  // A full page ends at its last row; otherwise everything below the frontier has been seen.
  const position =
    hasMore && last
      ? { txId: BigInt(last.tx_position as string), id: BigInt(last.id as string) }
      : max(after, { txId: BigInt(rows[0].frontier), id: 0n });
  return { quotes: toQuotes(dataSource, page), position, hasMore };
}

export async function readLatestFinal(
  dataSource: DataSource,
  assetIds: number[],
  converts: string[],
): Promise<UpdatesPage> {
  const rows: Row[] = await dataSource.query(LATEST_FINAL_SQL, [assetIds, converts]);
  return {
    quotes: toQuotes(dataSource, rows),
    position: { txId: BigInt(rows[0].frontier), id: 0n },
    hasMore: false,
  };
}

/** Where a new subscriber starts: after everything already final. */
export async function readFrontier(dataSource: DataSource): Promise<UpdatesPosition> {
  const [{ frontier }] = await dataSource.query(`SELECT quote_tx_frontier()::text AS frontier`);
  return { txId: BigInt(frontier), id: 0n };
}
