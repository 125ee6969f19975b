import type { NewQuote, QuoteValues } from "../../src/db/store/quotes";

/** A quote in USD with none of the optional figures: what fixtures start from. */
export const BARE_QUOTE: Omit<QuoteValues, "price" | "lastUpdated"> = {
  convert: "USD",
  volume24h: null,
  marketCap: null,
  percentChange1h: null,
  percentChange24h: null,
  percentChange7d: null,
  circulatingSupply: null,
};

/** A quote as the store takes it: USD and no optional figures unless given. */
export function newQuote(fields: Pick<NewQuote, "assetId" | "price" | "lastUpdated"> & Partial<NewQuote>): NewQuote {
  return { ...BARE_QUOTE, ...fields };
}
