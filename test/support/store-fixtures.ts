import type { NewQuote } from "../../src/db/store/quotes";

/** A quote as the store takes it: USD and no optional figures unless given. */
export function newQuote(fields: Pick<NewQuote, "assetId" | "price" | "lastUpdated"> & Partial<NewQuote>): NewQuote {
  return {
    convert: "USD",
    volume24h: null,
    marketCap: null,
    percentChange1h: null,
    percentChange24h: null,
    percentChange7d: null,
    circulatingSupply: null,
    ...fields,
  };
}
