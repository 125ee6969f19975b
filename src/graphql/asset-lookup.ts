import type { DataSource } from "typeorm";
import { Asset } from "../db/entities/asset.entity";
import { badUserInput } from "./errors";

/**
 * Resolves symbols (case-insensitive) to assets: a tracked asset first, else the best-ranked one,
 * since several coins share a symbol.
 */
export const ASSETS_BY_SYMBOL_SQL = `
SELECT DISTINCT ON (upper(a.symbol)) a.id
FROM asset a
WHERE upper(a.symbol) = ANY($1::text[])
ORDER BY upper(a.symbol), a.tracked DESC, a.rank ASC NULLS LAST, a.cmc_id ASC`;

export async function findAssetsBySymbols(dataSource: DataSource, symbols: string[]): Promise<Map<string, Asset>> {
  const wanted = [...new Set(symbols.map((s) => s.trim().toUpperCase()))];
  if (wanted.length === 0) return new Map();
  const ids: { id: number }[] = await dataSource.query(ASSETS_BY_SYMBOL_SQL, [wanted]);
  const rows = ids.length ? await dataSource.getRepository(Asset).findBy(ids.map(({ id }) => ({ id }))) : [];
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
