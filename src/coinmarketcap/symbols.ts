import type { CmcMapEntry } from "./schemas";

export interface SymbolMatch {
  /** The coin a bare symbol means, or null when no entry has that symbol. */
  best: CmcMapEntry | null;
  /** Every CMC id with that symbol, best first: more than one means the symbol is ambiguous. */
  candidateIds: number[];
}

/**
 * The coin a symbol means when several share it (BTC, ETC, UNI…): an active one before an inactive
 * one, then the best CMC rank (unranked last), then the oldest listing (lowest id).
 */
export function pickBestMatch(entries: readonly CmcMapEntry[], symbol: string): SymbolMatch {
  const wanted = symbol.trim().toUpperCase();
  const matches = entries
    .filter((entry) => entry.symbol.toUpperCase() === wanted)
    .sort(
      (a, b) =>
        Number(b.isActive) - Number(a.isActive) ||
        (a.rank ?? Number.POSITIVE_INFINITY) - (b.rank ?? Number.POSITIVE_INFINITY) ||
        a.cmcId - b.cmcId,
    );
  const candidateIds = [...new Set(matches.map((entry) => entry.cmcId))];
  return { best: matches[0] ?? null, candidateIds };
}
