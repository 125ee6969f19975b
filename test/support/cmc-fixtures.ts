import type { CmcQuote } from "../../src/coinmarketcap/schemas";
import { BARE_QUOTE } from "./store-fixtures";

/**
 * CoinMarketCap payloads for tests that feed the client's parsers directly (the CMC simulator
 * serves whole responses over HTTP). Fields are in CMC's snake_case; what a builder does not set is
 * left out, as CMC leaves out what `aux` does not ask for.
 */

/** The minute the fixtures' quotes were last updated. */
const LAST_UPDATED = "2026-02-19T19:59:00.000Z";

/** A `status` object; by default a successful one-credit call. */
export function cmcStatus(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timestamp: "2026-02-19T20:02:03.489Z",
    error_code: 0,
    error_message: null,
    elapsed: 103,
    credit_count: 1,
    notice: null,
    ...fields,
  };
}

/** A successful response's text: the status and `data` (left out when undefined). */
export function cmcBody(data: unknown, status: Record<string, unknown> = cmcStatus()): string {
  return JSON.stringify({ status, data });
}

/** An error response's text, as CMC sends with a 4xx or 5xx: a status and no `data`. */
export function cmcErrorBody(errorCode: number, message: string): string {
  return JSON.stringify({
    status: {
      timestamp: "2026-02-19T20:02:03.489Z",
      error_code: errorCode,
      error_message: message,
      elapsed: 0,
      credit_count: 0,
    },
  });
}

/** One currency's entry in a coin's `quote` map; `last_updated` is a fixed minute unless given. */
export function cmcQuote(fields: Record<string, unknown>): Record<string, unknown> {
  return { last_updated: LAST_UPDATED, ...fields };
}

/** A coin entry of quotes/latest's `data`, with its `quote` map by currency. */
export function cmcCoin({
  id,
  symbol,
  quote,
  ...fields
}: {
  id: number;
  symbol: string;
  quote: Record<string, unknown>;
  [field: string]: unknown;
}): Record<string, unknown> {
  return { id, symbol, ...fields, quote };
}

/** A successful quotes/latest (v2) response's text, keyed by id as `?id=` answers. */
export function quotesLatestBody(...coins: Record<string, unknown>[]): string {
  return cmcBody(Object.fromEntries(coins.map((coin) => [String(coin.id), coin])));
}

/** A quote as the client yields and the writer stores it: what is not given is null, USD by default. */
export function parsedQuote(
  fields: Pick<CmcQuote, "cmcId" | "symbol" | "price" | "lastUpdated"> & Partial<CmcQuote>,
): CmcQuote {
  return { ...BARE_QUOTE, ...fields };
}
