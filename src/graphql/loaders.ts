import DataLoader from "dataloader";
import { type AssetRow, assetsByIds } from "../db/store/assets";
import { latestQuotes, type QuotePair, type QuoteRow } from "../db/store/quotes";
import type { Sql } from "../db/store/sql";

/** Per request: every `asset` and `latestQuote` field of one request costs one statement each. */
export interface Loaders {
  assetById: DataLoader<number, AssetRow | undefined>;
  latestQuote: DataLoader<QuotePair, QuoteRow | undefined, string>;
}

const pairKey = (pair: QuotePair) => `${pair.assetId}:${pair.convert}`;

export function createLoaders(db: Sql): Loaders {
  return {
    assetById: new DataLoader(async (ids) => {
      const byId = new Map((await assetsByIds(db, ids)).map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id));
    }),
    latestQuote: new DataLoader(
      async (pairs) => {
        const byPair = new Map((await latestQuotes(db, pairs)).map((row) => [pairKey(row), row]));
        return pairs.map((pair) => byPair.get(pairKey(pair)));
      },
      { cacheKeyFn: pairKey },
    ),
  };
}

/** Assets a resolver already holds, so their `asset` fields cost no statement. */
export function primeAssets(loaders: Loaders, assets: Iterable<AssetRow>): void {
  for (const asset of assets) loaders.assetById.prime(asset.id, asset);
}
