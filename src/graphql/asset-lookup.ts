import type { DataSource } from "typeorm";
import { Asset } from "../db/entities/asset.entity";
import { badUserInput } from "./errors";

/**
 * The asset each symbol (case-insensitive) names: a tracked asset first, else the best-ranked one,
 * since several coins share a symbol. A subquery, so the entities come back in one round trip.
 */
export const ASSET_IDS_BY_SYMBOL_SQL = `
SELECT DISTINCT ON (upper(s.symbol)) s.id
FROM asset s
WHERE upper(s.symbol) = ANY(:symbols)
ORDER BY upper(s.symbol), s.tracked DESC, s.rank ASC NULLS LAST, s.cmc_id ASC`;

export async function findAssetsBySymbols(dataSource: DataSource, symbols: string[]): Promise<Map<string, Asset>> {
  const wanted = [...new Set(symbols.map((s) => s.trim().toUpperCase()))];
  if (wanted.length === 0) return new Map();
  const rows = await dataSource
    .getRepository(Asset)
    .createQueryBuilder("a")
    .where(`a.id IN (${ASSET_IDS_BY_SYMBOL_SQL})`, { symbols: wanted })
    .getMany();
  return new Map(rows.map((row) => [row.symbol.toUpperCase(), row]));
}

/** Like findAssetsBySymbols, but every symbol must be known. */
export async function requireAssetsBySymbols(dataSource: DataSource, symbols: string[]): Promise<Asset[]> {
  const found = await findAssetsBySymbols(dataSource, symbols);
  const unknown = symbols.filter((s) => !found.has(s.trim().toUpperCase()));
  if (unknown.length > 0) {
    throw badUserInput(
      `unknown symbol${unknown.length > 1 ? "s" : ""} ${unknown.map((s) => `"${s}"`).join(", ")}: ` +
        "use the symbol of an asset this service knows (query assets), or track it first with trackAsset",
    );
  }
  return [...new Set(symbols.map((s) => found.get(s.trim().toUpperCase()) as Asset))];
}
