import type { DataSource } from "typeorm";
import type { CmcQuote } from "../coinmarketcap/schemas";

/** Channel the GraphQL side LISTENs on; the payload is small JSON, the quotes are read from the table. */
export const QUOTE_CHANNEL = "quotegraph_quote_added";

export interface QuoteNotification {
  count: number;
  maxId: string;
}

/** A fetched quote bound to the asset row it belongs to. */
export interface PendingQuote extends CmcQuote {
  assetId: number;
}

/**
 * All quotes of a run in one statement and one transaction: a run is stored whole or not at all.
 * Re-ingesting a CMC minute is harmless: the (asset, convert, last_updated) key drops repeats.
 */
export const INSERT_QUOTES_SQL = `
INSERT INTO price_quote (asset_id, convert, price, volume_24h, market_cap, percent_change_1h,
                         percent_change_24h, percent_change_7d, circulating_supply, last_updated)
SELECT * FROM unnest($1::int[], $2::text[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[],
                     $7::numeric[], $8::numeric[], $9::numeric[], $10::timestamptz[])
ON CONFLICT ON CONSTRAINT price_quote_asset_convert_time_key DO NOTHING
RETURNING id`;

/** Returns how many quotes were new. NOTIFY is sent inside the transaction, so it arrives after commit. */
export async function writeQuotes(dataSource: DataSource, quotes: PendingQuote[]): Promise<number> {
  if (quotes.length === 0) return 0;
  return dataSource.transaction(async (manager) => {
    const rows: { id: string }[] = await manager.query(INSERT_QUOTES_SQL, [
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
      await manager.query(`SELECT pg_notify($1, $2)`, [QUOTE_CHANNEL, JSON.stringify(payload)]);
    }
    return rows.length;
  });
}
