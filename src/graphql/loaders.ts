import DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import { Asset } from "../db/entities/asset.entity";
import { PriceQuote } from "../db/entities/price-quote.entity";

export interface Loaders {
  assetById: DataLoader<number, Asset | undefined>;
  /** Key: `${assetId}:${convert}`. */
  latestQuote: DataLoader<string, PriceQuote | undefined>;
}

/** The newest quote of each (asset, convert) pair: one backward index probe per pair. */
export const LATEST_QUOTES_SQL = `
SELECT q.*
FROM unnest($1::int[], $2::text[]) AS k(asset_id, convert)
CROSS JOIN LATERAL (
  SELECT * FROM price_quote p
  WHERE p.asset_id = k.asset_id AND p.convert = k.convert
  ORDER BY p.last_updated DESC
  LIMIT 1
) q`;

export function createLoaders(dataSource: DataSource): Loaders {
  return {
    assetById: new DataLoader(async (ids) => {
      const rows = await dataSource
        .getRepository(Asset)
        .createQueryBuilder("a")
        .whereInIds([...ids])
        .getMany();
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id));
    }),
    latestQuote: new DataLoader(async (keys) => {
      const pairs = keys.map((key) => key.split(":") as [string, string]);
      const raw: Record<string, unknown>[] = await dataSource.query(LATEST_QUOTES_SQL, [
        pairs.map(([assetId]) => Number(assetId)),
        pairs.map(([, convert]) => convert),
      ]);
      const rows = raw.map((r) => dataSource.getRepository(PriceQuote).create(fromRow(r)));
      const byKey = new Map(rows.map((row) => [`${row.assetId}:${row.convert}`, row]));
      return keys.map((key) => byKey.get(key));
    }),
  };
}

/** Maps a raw price_quote row (snake_case) onto the entity's properties. */
export function fromRow(r: Record<string, unknown>): Partial<PriceQuote> {
  return {
    id: String(r.id),
    assetId: Number(r.asset_id),
    convert: r.convert as string,
    price: r.price as string,
    volume24h: r.volume_24h as string | null,
    marketCap: r.market_cap as string | null,
    percentChange1h: r.percent_change_1h as string | null,
    percentChange24h: r.percent_change_24h as string | null,
    percentChange7d: r.percent_change_7d as string | null,
    circulatingSupply: r.circulating_supply as string | null,
    lastUpdated: r.last_updated as Date,
    ingestedAt: r.ingested_at as Date,
  };
}
