import { type AssetRow, assetsBySymbols, symbolKey } from "../db/store/assets";
import type { GraphQLContext } from "./context";
import { badUserInput, quoted } from "./errors";
import { primeAssets } from "./loaders";

/**
 * The assets the symbols name, in the order asked (a repeat once); every symbol must be known.
 * They also prime the request's `assetById` loader, so `asset` fields under them cost nothing.
 */
export async function requireAssets(ctx: GraphQLContext, symbols: readonly string[]): Promise<AssetRow[]> {
  const found = await assetsBySymbols(ctx.db, symbols);
  const unknown = symbols.filter((s) => !found.has(symbolKey(s)));
  if (unknown.length > 0) {
    throw badUserInput(
      `unknown symbol${unknown.length > 1 ? "s" : ""} ${unknown.slice(0, 5).map(quoted).join(", ")}` +
        `${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ""}: ` +
        "use the symbol of an asset this service knows (query assets), or track it first with trackAsset",
    );
  }
  primeAssets(ctx.loaders, found.values());
  return [...new Set(symbols.map((s) => found.get(symbolKey(s)) as AssetRow))];
}
